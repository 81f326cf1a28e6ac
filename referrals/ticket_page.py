"""The ticket page's referrals: the questions asked about the ticket, the form to ask one,
and their moments in the ticket's story (registered in ``ReferralsConfig.ready``)."""

from departments.models import Department
from departments.queries import department_ids_of
from referrals.forms import AnswerReferralForm, ReferForm
from referrals.queries import referrals_of
from referrals.timeline import describe_referral
from tickets.page import TicketPagePart


def referrals_part(request, ticket, *, moves: set[str], bound: dict, now) -> TicketPagePart:
    user = request.user
    referrals = list(referrals_of(ticket))
    mine = department_ids_of(user)
    for referral in referrals:
        referral.overdue = referral.is_overdue(now)
        # Members of the asked department answer from here too (the action re-checks).
        referral.can_answer = (
            ticket.is_open
            and referral.is_open
            and referral.department_id in mine
            and (referral.claimed_by_id in (None, user.pk))
        )
    refer_form = bound.pop("refer", None) or _refer_form(request, ticket, moves)
    return TicketPagePart(
        context={
            "referrals": referrals,
            "open_referrals": sum(1 for r in referrals if r.is_open),
            "overdue_referrals": sum(1 for r in referrals if r.overdue),
            "refer_form": refer_form,
            "answer_form": AnswerReferralForm(),
        },
        entries=[entry for r in referrals for entry in describe_referral(r, now)],
    )


def _refer_form(request, ticket, moves):
    """The "ask another department" form, for whoever may act as the ticket's owner.

    ``?ask=<slug>`` (the directory's "Ask this department" button) preselects one.
    """
    if not ({"resolve", "transfer"} & moves):
        return None
    initial = {}
    slug = request.GET.get("ask", "")
    if slug:
        initial["department"] = (
            Department.objects.filter(slug=slug).exclude(pk=ticket.department_id).first()
        )
    return ReferForm(ticket=ticket, initial=initial)
