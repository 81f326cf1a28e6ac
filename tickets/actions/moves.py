"""The moves of a ticket: opening it, claiming, releasing, assigning, passing up,
transferring, resolving, and notes."""

from datetime import datetime
from typing import Required, TypedDict, Unpack

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.display import person
from core.errors import Conflict, InvalidInput, NotAllowed
from departments.deadlines import due_at as deadline
from departments.models import Department
from departments.queries import (
    first_tier,
    front_line_department,
    membership_at,
    next_tier,
    working_hours_of,
)
from departments.roles import is_manager
from tickets import notifications, shifts
from tickets.actions.common import (
    _enter_tier,
    _record,
    _save_and_record,
    _state,
    clean_text,
    lock_for_move,
    lock_ticket,
    require_not_paused,
    require_open,
)
from tickets.actions.pause import resume_on_answer
from tickets.errors import AlreadyClaimed
from tickets.models import (
    Category,
    Channel,
    Customer,
    HandoffKind,
    Note,
    Priority,
    Status,
    Ticket,
)
from tickets.rules import is_member_of_tier, require_right
from tickets.signals import ticket_resolved


def do_open_ticket(
    *,
    by: User,
    subject: str,
    customer: Customer,
    description: str = "",
    department: Department | None = None,
    category: Category | None = None,
    priority: str = Priority.NORMAL,
    channel: str = Channel.PHONE,
    previous_ticket: Ticket | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Log a new ticket at tier 1 of a department (the front line by default).

    The person who took the call owns it when they sit at that tier; otherwise it waits
    in the tier's queue.
    """
    now = now or timezone.now()
    subject = clean_text(subject, "subject", required=True, max_length=200)
    description = clean_text(description, "description", required=False)
    if priority not in Priority.values:
        raise InvalidInput(_("Unknown priority."), field="priority")
    if channel not in Channel.values:
        raise InvalidInput(_("Unknown channel."), field="channel")
    department = department or front_line_department()
    if department is None:
        raise InvalidInput(_("No department given and no front-line department exists."), field="department")
    tier = first_tier(department)
    if tier is None:
        raise InvalidInput(_("This department has no tiers yet."), field="department")

    with transaction.atomic():
        owner = by if is_member_of_tier(by, tier.pk) else None
        hours = working_hours_of(tier.department_id)
        ticket = Ticket(
            subject=subject,
            description=description,
            customer=customer,
            category=category,
            priority=priority,
            channel=channel,
            department=department,
            tier=tier,
            owner=owner,
            owned_since=now if owner is not None else None,
            status=Status.OPEN,
            opened_at=now,
            opened_by=by,
            tier_entered_at=now,
            due_at=deadline(now, tier.resolve_within, hours),
            previous_ticket=previous_ticket,
            # The journey starts here: no change of hands yet, one tier, this entry.
            handoff_count=0,
            tiers_visited=1,
            last_handoff_at=now,
        )
        ticket.save()
        _record(ticket, HandoffKind.OPENED, by, now, before={}, facts={"working_hours": shifts.rule_of(hours)})
    return ticket


# --- moves inside a tier --------------------------------------------------------------


def do_claim_ticket(ticket: Ticket | int, *, by: User, now: datetime | None = None) -> Ticket:
    """Take an unowned ticket from the tier's queue.

    Raises AlreadyClaimed when a colleague got there first.
    """
    now = now or timezone.now()
    with transaction.atomic():
        ticket = lock_for_move(ticket, "claim", by)
        if ticket.owner_id == by.pk:
            raise Conflict(_("You already own this ticket."))
        if ticket.owner_id is not None:
            owner = ticket.owner
            assert owner is not None  # owner_id is set, and lock_ticket read the owner with it
            raise AlreadyClaimed(person(owner))
        before = _state(ticket)
        ticket.owner = by
        _save_and_record(ticket, ["owner"], HandoffKind.CLAIMED, by, now, before=before)
    return ticket


def do_release_ticket(ticket: Ticket | int, *, by: User, note: str = "", now: datetime | None = None) -> Ticket:
    """Put an owned ticket back into its tier's queue (the clock keeps running)."""
    now = now or timezone.now()
    note = clean_text(note, "note", required=False)
    with transaction.atomic():
        ticket = lock_ticket(ticket)
        require_open(ticket)
        if ticket.owner_id is None:
            raise Conflict(_("Nobody owns this ticket."))
        require_right("release", by, ticket)
        require_not_paused(ticket)
        before = _state(ticket)
        ticket.owner = None
        _save_and_record(ticket, ["owner"], HandoffKind.RELEASED, by, now, before=before, note=note)
    return ticket


def do_assign_ticket(
    ticket: Ticket | int, *, by: User, to: User | None, note: str = "", now: datetime | None = None
) -> Ticket:
    """A tier lead (or a manager) gives the ticket to a member of its tier."""
    now = now or timezone.now()
    note = clean_text(note, "note", required=False)
    with transaction.atomic():
        ticket = lock_for_move(ticket, "assign", by)
        if to is None or not to.is_active or membership_at(to, ticket.tier_id) is None:
            raise InvalidInput(
                _("%(user)s is not a member of %(tier)s.")
                % {"user": getattr(to, "username", "?"), "tier": ticket.tier.name},
                field="to",
            )
        if ticket.owner_id == to.pk:
            raise Conflict(_("%(user)s already owns this ticket.") % {"user": to.username})
        before = _state(ticket)
        ticket.owner = to
        _save_and_record(ticket, ["owner"], HandoffKind.ASSIGNED, by, now, before=before, note=note)
        if to.pk != by.pk:
            notifications.notify_assigned(ticket, by, to)
    return ticket


# --- moves out of a tier --------------------------------------------------------------


def do_pass_up(ticket: Ticket | int, *, by: User, note: str, now: datetime | None = None) -> Ticket:
    """Hand the ticket to the next tier's queue, saying what was tried; restarts the clock."""
    now = now or timezone.now()
    note = clean_text(note, "note", required=True)
    with transaction.atomic():
        ticket = lock_for_move(ticket, "pass", by)
        above = next_tier(ticket.tier)
        if above is None:
            raise Conflict(_("%(tier)s is the top tier: resolve the ticket here.") % {"tier": ticket.tier.name})
        before = _state(ticket)
        clock = _enter_tier(ticket, above, now)
        _save_and_record(
            ticket, ["department", "tier", "owner", "tier_entered_at", "due_at"],
            HandoffKind.PASSED, by, now, before=before, note=note, facts=clock,
        )
        notifications.notify_arrived_in_queue(ticket, "passed up", note)
    return ticket


def do_transfer_ticket(
    ticket: Ticket | int, *, by: User, department: Department | None, note: str, now: datetime | None = None
) -> Ticket:
    """Move the ticket to another department's first tier, with the reason; restarts the clock."""
    now = now or timezone.now()
    note = clean_text(note, "note", required=True)
    with transaction.atomic():
        ticket = lock_for_move(ticket, "transfer", by)
        if department is None:
            raise InvalidInput(_("Choose a department."), field="department")
        if department.pk == ticket.department_id:
            raise InvalidInput(_("The ticket is already in %(d)s.") % {"d": department.name}, field="department")
        entry = first_tier(department)
        if entry is None:
            raise InvalidInput(_("%(d)s has no tiers yet.") % {"d": department.name}, field="department")
        before = _state(ticket)
        clock = _enter_tier(ticket, entry, now)
        # A new pyramid starts a new clock: a breach in the old department does not follow.
        ticket.breached = False
        ticket.breached_at = None
        _save_and_record(
            ticket, ["department", "tier", "owner", "tier_entered_at", "due_at", "breached", "breached_at"],
            HandoffKind.TRANSFERRED, by, now, before=before, note=note, facts=clock,
        )
        notifications.notify_arrived_in_queue(ticket, "transferred", note)
    return ticket


def do_resolve_ticket(
    ticket: Ticket | int, *, by: User, resolution: str, on_first_call: bool = False, now: datetime | None = None
) -> Ticket:
    """Close the ticket for good with what was done. It never changes again."""
    now = now or timezone.now()
    resolution = clean_text(resolution, "resolution", required=True)
    with transaction.atomic():
        ticket = lock_for_move(ticket, "resolve", by)
        before = _state(ticket)
        ticket.status = Status.RESOLVED
        ticket.resolved_at = now
        ticket.resolved_by = by
        ticket.resolution = resolution
        ticket.resolved_on_first_call = on_first_call
        _save_and_record(
            ticket, ["status", "resolved_at", "resolved_by", "resolution", "resolved_on_first_call"],
            HandoffKind.RESOLVED, by, now, before=before, note=resolution,
        )
        ticket_resolved.send(sender=Ticket, ticket=ticket, actor=by)
    return ticket


class TicketDetails(TypedDict, total=False):
    """``do_open_ticket``'s keywords but ``by`` and ``now``: what the call was about."""

    subject: Required[str]
    customer: Required[Customer]
    description: str
    department: Department | None
    category: Category | None
    priority: str
    channel: str
    previous_ticket: Ticket | None


def do_open_and_resolve_ticket(
    *, by: User, resolution: str, now: datetime | None = None, **fields: Unpack[TicketDetails]
) -> Ticket:
    """Log a call that was answered on the spot: opened and resolved in one transaction."""
    now = now or timezone.now()
    resolution = clean_text(resolution, "resolution", required=True)
    with transaction.atomic():
        ticket = do_open_ticket(by=by, now=now, **fields)
        if ticket.owner_id != by.pk and not is_manager(by):
            raise NotAllowed(_("Only a member of the first tier can resolve a call on the spot."))
        return do_resolve_ticket(ticket, by=by, resolution=resolution, on_first_call=True, now=now)


def do_add_note(
    ticket: Ticket | int, *, by: User, body: str, internal: bool = True, customer_answer: bool = False,
    now: datetime | None = None,
) -> Note:
    """Add a note; notes never move the ticket or its clock, but for one: the customer's
    answer to a ticket waiting on them restarts its clock, in the same transaction
    (``tickets.actions.pause.resume_on_answer``). Elsewhere the flag only marks the note."""
    now = now or timezone.now()
    body = clean_text(body, "body", required=True)
    with transaction.atomic():
        ticket = lock_for_move(ticket, "note", by)
        note = Note.objects.create(
            ticket=ticket, author=by, body=body, internal=internal, is_customer_answer=customer_answer,
            created_at=now,
        )
        if customer_answer and ticket.paused_at is not None:
            resume_on_answer(ticket, by=by, now=now)
        return note


