"""The ticket page's referrals: the questions asked about the ticket, the form to ask one,
and their moments in the ticket's story (registered in ``ReferralsConfig.ready``)."""

from departments.models import Department
from referrals.forms import AnswerReferralForm, ReferForm
from referrals.queries import referrals_of
from referrals.rules import may_answer_referral, may_refer
from referrals.timeline import describe_referral
from tickets.page import TicketPagePart

# The ticket page also has the transfer form's department: the ask form's ids are its own.
REFER_AUTO_ID = "id_refer_%s"


def referrals_part(request, ticket, *, moves: set[str], bound: dict, now) -> TicketPagePart:
    user = request.user
    referrals = list(referrals_of(ticket))
    for referral in referrals:
        referral.overdue = referral.is_overdue(now)
        # The same predicate as the department's queue and the referral page.
        referral.can_answer = may_answer_referral(user, referral)
        if referral.can_answer:
            # One answer form per question on the page: ids must not repeat.
            referral.answer_form = AnswerReferralForm(auto_id=f"id_referral{referral.pk}_%s")
    refer_form = bound.pop("refer", None) or _refer_form(request, ticket)
    return TicketPagePart(
        context={
            "referrals": referrals,
            "open_referrals": sum(1 for r in referrals if r.is_open),
            "overdue_referrals": sum(1 for r in referrals if r.overdue),
            "refer_form": refer_form,
        },
        entries=[entry for r in referrals for entry in describe_referral(r, now)],
    )


def _refer_form(request, ticket):
    """The "ask another department" form, for whoever may ask (``may_refer``).

    ``?ask=<slug>`` (the directory's "Ask this department" button) preselects one.
    """
    if not may_refer(request.user, ticket):
        return None
    initial = {}
    slug = request.GET.get("ask", "")
    if slug:
        initial["department"] = (
            Department.objects.filter(slug=slug).exclude(pk=ticket.department_id).first()
        )
    return ReferForm(ticket=ticket, initial=initial, auto_id=REFER_AUTO_ID)
