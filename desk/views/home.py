"""Everyone's home page: my tickets, my tier's queue, for leads the tier's owned tickets,
the questions other departments asked mine, and the news from every department."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from departments.queries import current_bulletins, department_ids_of, memberships_of
from departments.roles import is_manager
from referrals.forms import AnswerReferralForm
from referrals.queries import open_referrals_to
from referrals.views import decorate
from tickets.queries import my_open_tickets, owned_tickets_of_tier, queue_of_tier
from tickets.views.common import tier_members

# The home page shows the most urgent questions and the latest news; their pages have the rest.
HOME_REFERRALS = 10
HOME_BULLETINS = 6


def tier_panels(user) -> list[dict]:
    """One panel per seat: the tier's queue, and for a lead its owned tickets and members."""
    panels = []
    for membership in memberships_of(user):
        panel = {
            "membership": membership,
            "tier": membership.tier,
            "queue": list(queue_of_tier(membership.tier_id)),
            "is_lead": membership.is_lead,
        }
        if membership.is_lead:
            panel["members"] = tier_members(membership.tier)
            owned = list(owned_tickets_of_tier(membership.tier_id))
            panel["owned"] = [t for t in owned if t.paused_at is None]
            panel["waiting"] = waiting_on_customer(owned)
        panels.append(panel)
    return panels


def waiting_on_customer(tickets) -> list:
    """The tickets among ``tickets`` whose clock is stopped, the longest waiting first.

    Apart from the others because their "time left" means nothing while the customer has
    the next move; split in Python so the page costs no extra query.
    """
    return sorted((t for t in tickets if t.paused_at is not None), key=lambda t: (t.paused_at, t.pk))


@require_GET
@login_required
def home(request):
    user = request.user
    now = timezone.now()
    departments = department_ids_of(user)
    questions = open_referrals_to(departments) if departments else None
    mine = list(my_open_tickets(user))
    return render(
        request,
        "tickets/home.html",
        {
            "mine": [t for t in mine if t.paused_at is None],
            "mine_waiting": waiting_on_customer(mine),
            "panels": tier_panels(user),
            "is_manager": is_manager(user),
            "has_departments": bool(departments),
            "questions": decorate(user, questions[:HOME_REFERRALS], now)
            if questions is not None
            else [],
            "questions_total": questions.count() if questions is not None else 0,
            "answer_form": AnswerReferralForm(),
            "bulletins": list(current_bulletins(now)[:HOME_BULLETINS]),
        },
    )
