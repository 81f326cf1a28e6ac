"""Everyone's home page: my tickets, my tier's queue, for leads the tier's owned tickets,
the questions other departments asked mine, and the news from every department.

Every list is bounded (``tickets.bounded``): the most urgent ``TIERDESK_PANEL_SIZE``
tickets, the list's total and a link to its full, cursor-paged page, so the page costs
the same however many tickets someone holds.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from departments.queries import current_bulletins, department_ids_of, memberships_of
from departments.roles import is_manager
from referrals.forms import AnswerReferralForm
from referrals.queries import first_open_referrals_to, open_referrals_to
from referrals.views import decorate
from tickets.bounded import first_of
from tickets.queries import (
    held_running_of_tier,
    held_waiting_of_tier,
    my_running_tickets,
    my_waiting_tickets,
    queue_of_tier,
)
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
            "queue": first_of(queue_of_tier(membership.tier_id)),
            "is_lead": membership.is_lead,
        }
        if membership.is_lead:
            panel["members"] = tier_members(membership.tier)
            owned = first_of(held_running_of_tier(membership.tier_id))
            # The most urgent few, grouped by owner (a stable sort keeps each owner's
            # tickets in order of time left).
            owned.rows.sort(key=lambda t: t.owner.username)
            panel["owned"] = owned
            # Apart from the others because their "time left" means nothing while the
            # customer has the next move: the longest waiting first.
            panel["waiting"] = first_of(held_waiting_of_tier(membership.tier_id))
        panels.append(panel)
    return panels


@require_GET
@login_required
def home(request):
    user = request.user
    now = timezone.now()
    departments = department_ids_of(user)
    questions = open_referrals_to(departments) if departments else None
    return render(
        request,
        "tickets/home.html",
        {
            "mine": first_of(my_running_tickets(user)),
            "mine_waiting": first_of(my_waiting_tickets(user)),
            "panels": tier_panels(user),
            "is_manager": is_manager(user),
            "has_departments": bool(departments),
            "questions": decorate(user, first_open_referrals_to(departments, HOME_REFERRALS), now)
            if questions is not None
            else [],
            "questions_total": questions.count() if questions is not None else 0,
            "answer_form": AnswerReferralForm(),
            "bulletins": list(current_bulletins(now)[:HOME_BULLETINS]),
        },
    )
