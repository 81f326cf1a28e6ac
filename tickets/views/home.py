"""Everyone's home page: my tickets, my tier's queue, and for leads the tier's owned tickets."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from departments.queries import memberships_of
from departments.roles import is_manager
from tickets.queries import my_open_tickets, owned_tickets_of_tier, queue_of_tier
from tickets.views.common import tier_members


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
            panel["owned"] = list(owned_tickets_of_tier(membership.tier_id))
        panels.append(panel)
    return panels


@require_GET
@login_required
def home(request):
    user = request.user
    return render(
        request,
        "tickets/home.html",
        {
            "mine": list(my_open_tickets(user)),
            "panels": tier_panels(user),
            "is_manager": is_manager(user),
        },
    )
