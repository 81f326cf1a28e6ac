"""What every ticket action shares: locking, checking text, and writing the one handoff."""

from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.errors import InvalidInput
from departments.deadlines import due_at as deadline
from departments.models import Tier
from departments.queries import working_hours_of
from tickets import ledger, shifts
from tickets.errors import TicketPaused, TicketResolved
from tickets.models import (
    NOT_A_CHANGE_OF_HANDS,
    Handoff,
    HandoffKind,
    Holding,
    Status,
    Ticket,
)
from tickets.rules import require_right

MAX_TEXT = 20_000


def clean_text(value: str | None, field_name: str, *, required: bool, max_length: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise InvalidInput(_("This field may not contain NUL characters."), field=field_name)
    if required and not value:
        raise InvalidInput(_("This field is required."), field=field_name)
    if len(value) > max_length:
        raise InvalidInput(
            ngettext(
                "Keep this under %(n)d characters.", "Keep this under %(n)d characters.", max_length
            )
            % {"n": max_length},
            field=field_name,
        )
    return value


def lock_ticket(ticket: Ticket | int) -> Ticket:
    """Lock the ticket's row, then read it with its owner, tier and department.

    Two statements on purpose: after waiting for a lock PostgreSQL re-checks only the
    locked row, so columns joined in the same statement (the owner) could be the old ones.
    """
    ticket_id = ticket.pk if isinstance(ticket, Ticket) else ticket
    Ticket.objects.select_for_update().filter(pk=ticket_id).values_list("pk", flat=True).get()
    return Ticket.objects.select_related("tier", "department", "owner").get(pk=ticket_id)


def require_open(ticket: Ticket) -> None:
    if ticket.status != Status.OPEN:
        raise TicketResolved()


# The journey columns every change of a ticket rewrites along with its handoff.
JOURNEY_FIELDS = ["last_handoff_at", "handoff_count", "tiers_visited", "owned_since"]



# What may happen to a ticket while it waits on the customer: nothing moves it but its end.
MOVES_WHILE_PAUSED = frozenset({"note", "resume"})


def require_not_paused(ticket: Ticket) -> None:
    if ticket.paused_at is not None:
        raise TicketPaused()


def lock_for_move(ticket: Ticket | int, move: str, by: User) -> Ticket:
    """Lock the ticket and check again, under the lock, that it is open, that ``by`` has
    the right to ``move`` (``tickets.rules``) and, but for a note or a resumption, that it
    is not waiting on the customer: what every person's move starts with."""
    locked = lock_ticket(ticket)
    require_open(locked)
    require_right(move, by, locked)
    if move not in MOVES_WHILE_PAUSED:
        require_not_paused(locked)
    return locked


def _save_and_record(
    ticket: Ticket, fields: list[str], kind: str, actor: User | None, at: datetime, *,
    before: dict[str, Any], note: str = "", facts: dict[str, Any] | None = None,
) -> Handoff:
    """Save the changed ``fields`` of a locked ticket with its journey, and write the handoff."""
    since_previous = _advance_journey(ticket, kind, at, before)
    ticket.save(update_fields=[*fields, *JOURNEY_FIELDS])
    return _record(
        ticket, kind, actor, at, before=before, note=note, since_previous=since_previous, facts=facts
    )


def _advance_journey(ticket: Ticket, kind: str, at: datetime, before: dict[str, Any]) -> timedelta | None:
    """Fold the handoff about to be written into the ticket's journey; return its since_previous.

    The ticket must be locked and read after the lock, so ``last_handoff_at`` is the time of
    its latest ledger entry. Only a move to another tier can add a tier visited, and only
    when no earlier entry of the ticket entered that tier (one index probe). A change of
    owner restarts ``owned_since``; anything else (a resolution) keeps it.
    """
    since_previous = at - ticket.last_handoff_at if ticket.last_handoff_at else None
    if ticket.owner_id != before.get("owner_id"):
        ticket.owned_since = at if ticket.owner_id is not None else None
    if kind not in NOT_A_CHANGE_OF_HANDS:
        ticket.handoff_count += 1
    if (
        ticket.tier_id != before.get("tier_id")
        and not Handoff.objects.filter(ticket_id=ticket.pk, to_tier_id=ticket.tier_id).exists()
    ):
        ticket.tiers_visited += 1
    ticket.last_handoff_at = at
    return since_previous


def _record(
    ticket: Ticket, kind: str, actor: User | None, at: datetime, *, before: dict[str, Any], note: str = "",
    since_previous: timedelta | None = None, facts: dict[str, Any] | None = None,
) -> Handoff:
    """Write the handoff of a change already made to ``ticket``; ``before`` is ``_state`` from before it.

    The clock facts (``tier_time``, ``due_at``) are those of the tier the ticket was at before
    the move; an opening has no before, so they are those of the clock it starts. ``facts``
    are a pause's own (``time_left``, ``paused_for``: ``ledger.OPTIONAL_CHAIN_FIELDS``).
    """
    previous_owner_since = before.get("owned_since")
    entry = {
        "ticket_id": ticket.pk,
        "kind": kind,
        "at": at,
        "actor_id": actor.pk if actor is not None else None,
        "from_owner_id": before.get("owner_id"),
        "to_owner_id": ticket.owner_id,
        "from_tier_id": before.get("tier_id"),
        "to_tier_id": ticket.tier_id,
        "from_department_id": before.get("department_id"),
        "to_department_id": ticket.department_id,
        "note": note,
        "sweep_lateness": None,
        "since_previous": since_previous,
        "tier_time": before["tier_time"] if before else ticket.tier.resolve_within,
        "due_at": before["due_at"] if before else ticket.due_at,
        "held_for": (
            at - previous_owner_since
            if before.get("owner_id") is not None and previous_owner_since is not None
            else None
        ),
        "charged_to_id": None,
        "time_left": None,
        "paused_for": None,
        "off_shift": None,
        # A move that starts a clock passes the rule it counted in (shifts.rule_of).
        "working_hours": None,
        **(facts or {}),
    }
    # The ticket's row is locked, so its latest entry cannot change under us: the chain is
    # per ticket and needs no global lock. An opening starts a chain.
    previous = ledger.chain_head(ticket.pk) if before else None
    handoff = Handoff.objects.create(**entry, chain_hash=ledger.chain_hash(entry, previous))
    if ticket.owner_id is not None and kind != HandoffKind.RESOLVED:
        # The entry gives the ticket to someone: the first time at this tier starts a holding.
        # (The sweep's breach marks never do: the owner already holds the ticket there.)
        Holding.objects.bulk_create(
            [Holding(ticket=ticket, owner_id=ticket.owner_id, tier_id=ticket.tier_id, first_received_at=at)],
            ignore_conflicts=True,
        )
    return handoff


def _state(ticket: Ticket) -> dict[str, Any]:
    """What a handoff needs to know of the locked ticket before a move: where it was, whose,
    since when, and the clock that was running (its tier's time as configured right now)."""
    return {
        "owner_id": ticket.owner_id,
        "tier_id": ticket.tier_id,
        "department_id": ticket.department_id,
        "owned_since": ticket.owned_since,
        "due_at": ticket.due_at,
        "tier_time": ticket.tier.resolve_within,
    }


def _enter_tier(ticket: Ticket, tier: Tier, now: datetime) -> dict[str, Any]:
    """Put the ticket, unowned, into a tier's queue and start that tier's clock; return the
    entry's fact of the working hours it counts in (read once for both)."""
    hours = working_hours_of(tier.department_id)
    ticket.department_id = tier.department_id
    ticket.tier = tier
    ticket.owner = None
    ticket.tier_entered_at = now
    ticket.due_at = deadline(now, tier.resolve_within, hours)
    return {"working_hours": shifts.rule_of(hours)}


# --- opening --------------------------------------------------------------------------


def user_by_username(username: str) -> User | None:
    """Look up an active user for an assignment; None when there is no such person."""
    if not username:
        return None
    return get_user_model().objects.filter(username=username, is_active=True).first()
