"""What the ticket screens share: finding the ticket, its tier's people, what may be opened."""

from django.http import Http404
from django.utils.translation import get_language

from core.collation import sort_by_name
from core.display import person
from departments.queries import members_of_tier
from tickets.errors import TicketNotFound
from tickets.queries import access_ticket, visible_among


def get_ticket(user, reference):
    """The ticket if the user may read it; a 404 for missing and invisible tickets alike."""
    try:
        return access_ticket(user, reference)
    except TicketNotFound as exc:
        raise Http404(exc.message) from exc


def tier_members(tier) -> list:
    """Active members of a tier, for Assign selects (loaded once, not once per row), in the
    reader's alphabetical order of their names."""
    members = [m.user for m in members_of_tier(tier) if m.user.is_active]
    return sort_by_name(members, get_language(), person)


def mark_openable(user, tickets) -> list:
    """Set ``can_open`` on each ticket: the customer's whole history is shown to whoever
    serves them, but only the tickets the user may read are links."""
    tickets = list(tickets)
    openable = visible_among(user, tickets)
    for ticket in tickets:
        ticket.can_open = ticket.pk in openable
    return tickets
