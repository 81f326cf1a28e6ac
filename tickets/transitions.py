"""Who may make which move on a ticket: pure predicates, shared by the actions and the UI.

The actions re-check these under the row lock; the UI uses them only to decide which
buttons to show.
"""

from departments.queries import membership_at
from departments.roles import is_manager
from tickets.models import Ticket


def is_member_of_tier(user, tier_id: int) -> bool:
    return membership_at(user, tier_id) is not None


def is_lead_of_tier(user, tier_id: int) -> bool:
    membership = membership_at(user, tier_id)
    return membership is not None and membership.is_lead


def can_claim(user, ticket: Ticket) -> bool:
    return ticket.is_open and ticket.owner_id is None and (
        is_member_of_tier(user, ticket.tier_id) or is_manager(user)
    )


def can_release(user, ticket: Ticket) -> bool:
    return ticket.is_open and ticket.owner_id is not None and (
        ticket.owner_id == user.pk or is_lead_of_tier(user, ticket.tier_id) or is_manager(user)
    )


def can_assign(user, ticket: Ticket) -> bool:
    return ticket.is_open and (is_lead_of_tier(user, ticket.tier_id) or is_manager(user))


def may_act_as_owner(user, ticket: Ticket) -> bool:
    """The owner's moves (pass up, transfer, resolve): the owner, or a manager."""
    return ticket.is_open and (ticket.owner_id == user.pk or is_manager(user))


def can_add_note(user, ticket: Ticket) -> bool:
    """Anyone who can read an open ticket may add what they know to it."""
    return ticket.is_open


def allowed_moves(user, ticket: Ticket) -> set[str]:
    moves = set()
    if can_claim(user, ticket):
        moves.add("claim")
    if can_release(user, ticket):
        moves.add("release")
    if can_assign(user, ticket):
        moves.add("assign")
    if may_act_as_owner(user, ticket):
        moves.update({"pass", "transfer", "resolve"})
    if can_add_note(user, ticket):
        moves.add("note")
    return moves
