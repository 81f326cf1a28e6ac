"""Who may make which move on a ticket: one predicate per move, in the users' words.

``may_<move>(user, ticket)`` says whether the user may make the move on the ticket as it
is now; the ticket page shows a move exactly when it is true, and ``allowed_moves`` (also
in the API's ticket JSON) is built from them. Each predicate is two parts kept apart:

* the person's right (``right_to(move, user, ticket)``): whether this user may ever make
  the move on this ticket. A user without it is refused with 403 and the move's one
  message (``require_right``), by ``tickets.checks`` before anything else and by the action
  again under the row lock;
* the ticket's state (open, owned or not, waiting on the customer or not: a paused
  ticket offers only resume and notes): a move the state no longer offers is a 409
  from the action, because it usually means a colleague acted first, which the user
  should be told in those words rather than as a refusal.

Each predicate is asked about a ticket the user may read: finding it is the visibility
rule's job (``tickets.queries.access_ticket``, a 404), not repeated here, so that the
API's ticket list can name every ticket's moves without a query per ticket.

Pure: no writes. The moves read only the user's memberships and manager flag, which are
cached on the user for the request; resolving a call on the spot also reads which tier is
the front line's first.
"""

from collections.abc import Callable

from django.utils.translation import gettext as _

from core.errors import NotAllowed
from core.typing import UserLike
from departments.queries import first_tier, front_line_department, membership_at
from departments.roles import is_manager
from tickets.models import Ticket

# The moves in the order the API lists them; the names are the URL and form names too.
MOVES = ("claim", "release", "assign", "pass", "transfer", "resolve", "note", "pause", "resume")


def is_active_user(user: UserLike) -> bool:
    return user.is_authenticated and user.is_active


def is_member_of_tier(user: UserLike, tier_id: int) -> bool:
    return is_active_user(user) and membership_at(user, tier_id) is not None


def is_lead_of_tier(user: UserLike, tier_id: int) -> bool:
    if not is_active_user(user):
        return False
    membership = membership_at(user, tier_id)
    return membership is not None and membership.is_lead


def is_owner(user: UserLike, ticket: Ticket) -> bool:
    return is_active_user(user) and ticket.owner_id is not None and ticket.owner_id == user.pk


def _owner_or_manager(user: UserLike, ticket: Ticket) -> bool:
    return is_owner(user, ticket) or is_manager(user)


# --- the person's right to each move, whatever the ticket's state ----------------------

_RIGHTS: dict[str, tuple[Callable[[UserLike, Ticket], bool], Callable[[Ticket], str]]] = {
    "claim": (
        lambda user, ticket: is_member_of_tier(user, ticket.tier_id) or is_manager(user),
        lambda ticket: _("Only members of %(tier)s can claim its tickets.") % {"tier": ticket.tier.name},
    ),
    "release": (
        lambda user, ticket: _owner_or_manager(user, ticket) or is_lead_of_tier(user, ticket.tier_id),
        lambda ticket: _("Only the owner or a lead of the tier can release this ticket."),
    ),
    "assign": (
        lambda user, ticket: is_lead_of_tier(user, ticket.tier_id) or is_manager(user),
        lambda ticket: _("Only a lead of %(tier)s can assign its tickets.") % {"tier": ticket.tier.name},
    ),
    "pass": (_owner_or_manager, lambda ticket: _("Only the ticket's owner can pass it up.")),
    "transfer": (_owner_or_manager, lambda ticket: _("Only the ticket's owner can transfer it.")),
    "resolve": (_owner_or_manager, lambda ticket: _("Only the ticket's owner can resolve it.")),
    "pause": (
        _owner_or_manager, lambda ticket: _("Only the ticket's owner can make it wait on the customer.")
    ),
    "resume": (_owner_or_manager, lambda ticket: _("Only the ticket's owner can resume it.")),
    # Anyone who may read the ticket may add what they know; reading is checked by
    # ``tickets.queries.access_ticket`` before any move.
    "note": (lambda user, ticket: is_active_user(user), lambda ticket: str(NotAllowed.default_message)),
}


def right_to(move: str, user: UserLike, ticket: Ticket) -> bool:
    """Whether ``user`` may ever make ``move`` on ``ticket`` (its state aside)."""
    right, _refusal = _RIGHTS[move]
    return right(user, ticket)


def require_right(move: str, user: UserLike, ticket: Ticket) -> None:
    """Raise NotAllowed, with the move's one message, unless ``user`` has the right to it."""
    right, refusal = _RIGHTS[move]
    if not right(user, ticket):
        raise NotAllowed(refusal(ticket))


# --- one predicate per move: the right, and a state that offers the move ---------------


def may_claim(user: UserLike, ticket: Ticket) -> bool:
    """Take an unowned open ticket: members of its tier and managers."""
    return ticket.is_open and ticket.owner_id is None and right_to("claim", user, ticket)


def may_release(user: UserLike, ticket: Ticket) -> bool:
    """Put an owned ticket back in its tier's queue: the owner, a lead of the tier, a manager."""
    return ticket.is_open and ticket.owner_id is not None and not ticket.is_paused and right_to("release", user, ticket)


def may_assign(user: UserLike, ticket: Ticket) -> bool:
    """Give an open ticket to a member of its tier: leads of the tier and managers."""
    return ticket.is_open and not ticket.is_paused and right_to("assign", user, ticket)


def may_pass_up(user: UserLike, ticket: Ticket) -> bool:
    """Hand an open ticket to the next tier: the owner and managers.

    Offered at the top tier too, where the action explains that there is no tier above.
    """
    return ticket.is_open and not ticket.is_paused and right_to("pass", user, ticket)


def may_transfer(user: UserLike, ticket: Ticket) -> bool:
    """Move an open ticket to another department: the owner and managers."""
    return ticket.is_open and not ticket.is_paused and right_to("transfer", user, ticket)


def may_resolve(user: UserLike, ticket: Ticket) -> bool:
    """Close an open ticket for good: the owner and managers."""
    return ticket.is_open and not ticket.is_paused and right_to("resolve", user, ticket)


def may_add_note(user: UserLike, ticket: Ticket) -> bool:
    """Add a note to an open ticket: anyone who may read it."""
    return ticket.is_open and right_to("note", user, ticket)


def may_pause(user: UserLike, ticket: Ticket) -> bool:
    """Stop the clock of an owned open ticket to wait on the customer: the owner and managers.

    Offered while time is left; a ticket already due is refused by the action (409).
    """
    return ticket.is_open and ticket.owner_id is not None and not ticket.is_paused and right_to("pause", user, ticket)


def may_resume(user: UserLike, ticket: Ticket) -> bool:
    """Restart the clock of a ticket waiting on the customer: the owner and managers."""
    return ticket.is_open and ticket.is_paused and right_to("resume", user, ticket)


PREDICATES: dict[str, Callable[[UserLike, Ticket], bool]] = {
    "claim": may_claim,
    "release": may_release,
    "assign": may_assign,
    "pass": may_pass_up,
    "transfer": may_transfer,
    "resolve": may_resolve,
    "note": may_add_note,
    "pause": may_pause,
    "resume": may_resume,
}


def allowed_moves(user: UserLike, ticket: Ticket) -> set[str]:
    """The moves ``user`` may make on ``ticket`` now: the buttons the ticket page shows."""
    return {move for move, may in PREDICATES.items() if may(user, ticket)}


# --- logging a call -----------------------------------------------------------------------


def may_resolve_on_call(user: UserLike) -> bool:
    """Close a call on the spot: whoever would own the new ticket (the front line's first
    tier) and managers."""
    if is_manager(user):
        return True
    department = front_line_department()
    tier = first_tier(department) if department else None
    return tier is not None and is_member_of_tier(user, tier.pk)


def require_resolve_on_call(user: UserLike) -> None:
    if not may_resolve_on_call(user):
        raise NotAllowed(_("Only a member of the first tier can resolve a call on the spot."))
