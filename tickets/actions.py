"""Every change to a ticket happens here.

Each ``do_*`` function locks the ticket row, checks that the move is allowed and that the
actor may make it, changes the ticket, writes exactly one Handoff in the same transaction
and leaves side effects (emails) to run after commit. Views, the API, the admin, Celery
tasks and commands call these; nothing else saves a ticket.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Case, Exists, F, OuterRef, Value, When, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from departments.deadlines import due_at as deadline
from departments.models import Department, Tier
from departments.queries import first_tier, front_line_department, membership_at, next_tier
from departments.roles import is_manager
from tickets import ledger, notifications, responsibility
from tickets.errors import AlreadyClaimed, Conflict, InvalidInput, NotAllowed, TicketResolved
from tickets.models import (
    NOT_A_CHANGE_OF_HANDS,
    Category,
    Channel,
    Customer,
    Handoff,
    HandoffKind,
    Holding,
    Note,
    Priority,
    Status,
    Ticket,
)
from tickets.signals import ticket_resolved
from tickets.transitions import is_lead_of_tier, is_member_of_tier

MAX_TEXT = 20_000


def clean_text(value, field_name: str, *, required: bool, max_length: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise InvalidInput(_("This field may not contain NUL characters."), field=field_name)
    if required and not value:
        raise InvalidInput(_("This field is required."), field=field_name)
    if len(value) > max_length:
        raise InvalidInput(
            _("Keep this under %(n)d characters.") % {"n": max_length}, field=field_name
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


def _save_and_record(
    ticket: Ticket, fields: list[str], kind: str, actor, at: datetime, *, before: dict, note: str = ""
) -> Handoff:
    """Save the changed ``fields`` of a locked ticket with its journey, and write the handoff."""
    since_previous = _advance_journey(ticket, kind, at, before)
    ticket.save(update_fields=[*fields, *JOURNEY_FIELDS])
    return _record(ticket, kind, actor, at, before=before, note=note, since_previous=since_previous)


def _advance_journey(ticket: Ticket, kind: str, at: datetime, before: dict) -> timedelta | None:
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
    ticket: Ticket, kind: str, actor, at: datetime, *, before: dict, note: str = "", since_previous=None
) -> Handoff:
    """Write the handoff of a change already made to ``ticket``; ``before`` is ``_state`` from before it.

    The clock facts (``tier_time``, ``due_at``) are those of the tier the ticket was at before
    the move; an opening has no before, so they are those of the clock it starts.
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


def _state(ticket: Ticket) -> dict:
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


def _enter_tier(ticket: Ticket, tier: Tier, now: datetime) -> None:
    """Put the ticket, unowned, into a tier's queue and start that tier's clock."""
    ticket.department_id = tier.department_id
    ticket.tier = tier
    ticket.owner = None
    ticket.tier_entered_at = now
    ticket.due_at = deadline(now, tier.resolve_within)


# --- opening --------------------------------------------------------------------------


def do_open_ticket(
    actor,
    *,
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
        owner = actor if is_member_of_tier(actor, tier.pk) else None
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
            opened_by=actor,
            tier_entered_at=now,
            due_at=deadline(now, tier.resolve_within),
            previous_ticket=previous_ticket,
            # The journey starts here: no change of hands yet, one tier, this entry.
            handoff_count=0,
            tiers_visited=1,
            last_handoff_at=now,
        )
        ticket.save()
        _record(ticket, HandoffKind.OPENED, actor, now, before={})
    return ticket


# --- moves inside a tier --------------------------------------------------------------


def do_claim_ticket(ticket: Ticket | int, actor, *, now: datetime | None = None) -> Ticket:
    """Take an unowned ticket from the tier's queue.

    Raises AlreadyClaimed when a colleague got there first.
    """
    now = now or timezone.now()
    with transaction.atomic():
        ticket = lock_ticket(ticket)
        require_open(ticket)
        if not (is_member_of_tier(actor, ticket.tier_id) or is_manager(actor)):
            raise NotAllowed(_("Only members of %(tier)s can claim its tickets.") % {"tier": ticket.tier.name})
        if ticket.owner_id == actor.pk:
            raise Conflict(_("You already own this ticket."))
        if ticket.owner_id is not None:
            raise AlreadyClaimed(ticket.owner.get_full_name() or ticket.owner.username)
        before = _state(ticket)
        ticket.owner = actor
        _save_and_record(ticket, ["owner"], HandoffKind.CLAIMED, actor, now, before=before)
    return ticket


def do_release_ticket(ticket: Ticket | int, actor, *, note: str = "", now: datetime | None = None) -> Ticket:
    """Put an owned ticket back into its tier's queue (the clock keeps running)."""
    now = now or timezone.now()
    note = clean_text(note, "note", required=False)
    with transaction.atomic():
        ticket = lock_ticket(ticket)
        require_open(ticket)
        if ticket.owner_id is None:
            raise Conflict(_("Nobody owns this ticket."))
        if not (ticket.owner_id == actor.pk or is_lead_of_tier(actor, ticket.tier_id) or is_manager(actor)):
            raise NotAllowed(_("Only the owner or a lead of the tier can release this ticket."))
        before = _state(ticket)
        ticket.owner = None
        _save_and_record(ticket, ["owner"], HandoffKind.RELEASED, actor, now, before=before, note=note)
    return ticket


def do_assign_ticket(ticket: Ticket | int, actor, assignee, *, note: str = "", now: datetime | None = None) -> Ticket:
    """A tier lead (or a manager) gives the ticket to a member of its tier."""
    now = now or timezone.now()
    note = clean_text(note, "note", required=False)
    with transaction.atomic():
        ticket = lock_ticket(ticket)
        require_open(ticket)
        if not (is_lead_of_tier(actor, ticket.tier_id) or is_manager(actor)):
            raise NotAllowed(_("Only a lead of %(tier)s can assign its tickets.") % {"tier": ticket.tier.name})
        if assignee is None or not assignee.is_active or membership_at(assignee, ticket.tier_id) is None:
            raise InvalidInput(
                _("%(user)s is not a member of %(tier)s.")
                % {"user": getattr(assignee, "username", "?"), "tier": ticket.tier.name},
                field="to",
            )
        if ticket.owner_id == assignee.pk:
            raise Conflict(_("%(user)s already owns this ticket.") % {"user": assignee.username})
        before = _state(ticket)
        ticket.owner = assignee
        _save_and_record(ticket, ["owner"], HandoffKind.ASSIGNED, actor, now, before=before, note=note)
        if assignee.pk != actor.pk:
            notifications.notify_assigned(ticket, actor, assignee)
    return ticket


# --- moves out of a tier --------------------------------------------------------------


def _require_owner_or_manager(ticket: Ticket, actor, what: str) -> None:
    if not (ticket.owner_id == actor.pk or is_manager(actor)):
        raise NotAllowed(_("Only the ticket's owner can %(what)s it.") % {"what": what})


def do_pass_up(ticket: Ticket | int, actor, *, note: str, now: datetime | None = None) -> Ticket:
    """Hand the ticket to the next tier's queue, saying what was tried; restarts the clock."""
    now = now or timezone.now()
    note = clean_text(note, "note", required=True)
    with transaction.atomic():
        ticket = lock_ticket(ticket)
        require_open(ticket)
        _require_owner_or_manager(ticket, actor, _("pass up"))
        above = next_tier(ticket.tier)
        if above is None:
            raise Conflict(_("%(tier)s is the top tier: resolve the ticket here.") % {"tier": ticket.tier.name})
        before = _state(ticket)
        _enter_tier(ticket, above, now)
        _save_and_record(
            ticket, ["department", "tier", "owner", "tier_entered_at", "due_at"],
            HandoffKind.PASSED, actor, now, before=before, note=note,
        )
        notifications.notify_arrived_in_queue(ticket, _("passed up"), note)
    return ticket


def do_transfer_ticket(
    ticket: Ticket | int, actor, *, department: Department, note: str, now: datetime | None = None
) -> Ticket:
    """Move the ticket to another department's first tier, with the reason; restarts the clock."""
    now = now or timezone.now()
    note = clean_text(note, "note", required=True)
    with transaction.atomic():
        ticket = lock_ticket(ticket)
        require_open(ticket)
        _require_owner_or_manager(ticket, actor, _("transfer"))
        if department is None:
            raise InvalidInput(_("Choose a department."), field="department")
        if department.pk == ticket.department_id:
            raise InvalidInput(_("The ticket is already in %(d)s.") % {"d": department.name}, field="department")
        entry = first_tier(department)
        if entry is None:
            raise InvalidInput(_("%(d)s has no tiers yet.") % {"d": department.name}, field="department")
        before = _state(ticket)
        _enter_tier(ticket, entry, now)
        # A new pyramid starts a new clock: a breach in the old department does not follow.
        ticket.breached = False
        ticket.breached_at = None
        _save_and_record(
            ticket, ["department", "tier", "owner", "tier_entered_at", "due_at", "breached", "breached_at"],
            HandoffKind.TRANSFERRED, actor, now, before=before, note=note,
        )
        notifications.notify_arrived_in_queue(ticket, _("transferred"), note)
    return ticket


def do_resolve_ticket(
    ticket: Ticket | int, actor, *, resolution: str, on_first_call: bool = False, now: datetime | None = None
) -> Ticket:
    """Close the ticket for good with what was done. It never changes again."""
    now = now or timezone.now()
    resolution = clean_text(resolution, "resolution", required=True)
    with transaction.atomic():
        ticket = lock_ticket(ticket)
        require_open(ticket)
        _require_owner_or_manager(ticket, actor, _("resolve"))
        before = _state(ticket)
        ticket.status = Status.RESOLVED
        ticket.resolved_at = now
        ticket.resolved_by = actor
        ticket.resolution = resolution
        ticket.resolved_on_first_call = on_first_call
        _save_and_record(
            ticket, ["status", "resolved_at", "resolved_by", "resolution", "resolved_on_first_call"],
            HandoffKind.RESOLVED, actor, now, before=before, note=resolution,
        )
        ticket_resolved.send(sender=Ticket, ticket=ticket, actor=actor)
    return ticket


def do_open_and_resolve_ticket(actor, *, resolution: str, now: datetime | None = None, **fields) -> Ticket:
    """Log a call that was answered on the spot: opened and resolved in one transaction."""
    now = now or timezone.now()
    resolution = clean_text(resolution, "resolution", required=True)
    with transaction.atomic():
        ticket = do_open_ticket(actor, now=now, **fields)
        if ticket.owner_id != actor.pk and not is_manager(actor):
            raise NotAllowed(_("Only a member of the first tier can resolve a call on the spot."))
        return do_resolve_ticket(ticket, actor, resolution=resolution, on_first_call=True, now=now)


def do_add_note(ticket: Ticket | int, actor, *, body: str, internal: bool = True, now: datetime | None = None) -> Note:
    """Add a note; notes never move the ticket or its clock."""
    now = now or timezone.now()
    body = clean_text(body, "body", required=True)
    with transaction.atomic():
        ticket = lock_ticket(ticket)
        require_open(ticket)
        return Note.objects.create(ticket=ticket, author=actor, body=body, internal=internal, created_at=now)


# --- the clock ------------------------------------------------------------------------


@dataclass
class SweepResult:
    escalated: int = 0
    breached: int = 0
    batches: int = 0
    escalated_ids: list[int] = field(default_factory=list, repr=False)
    breached_ids: list[int] = field(default_factory=list, repr=False)

    def __str__(self):
        return f"escalated {self.escalated}, breached {self.breached}"


def do_escalate_due_tickets(*, now: datetime | None = None, batch_size: int = 1000, keep_ids: bool = False) -> SweepResult:
    """Move every open ticket whose time at its tier has run out one tier up.

    Works in batches, each its own transaction: lock up to ``batch_size`` due rows with
    SKIP LOCKED (a concurrent sweep takes other rows, never the same ones), then change
    them with one UPDATE per receiving tier and write their handoffs with one INSERT.
    At the top tier a ticket is marked breached, once. A ticket overdue for days moves one
    tier per sweep: its new deadline is counted from this sweep. Each entry stores the
    clock that ran out and whom the time-out is charged to (``tickets.responsibility``,
    settings read now).
    """
    now = now or timezone.now()
    result = SweepResult()
    tiers = {
        (t.department_id, t.level): t for t in Tier.objects.only("id", "department_id", "level", "name", "resolve_within")
    }
    tier_by_id = {t.pk: t for t in tiers.values()}
    above = {}
    for tier in tier_by_id.values():
        higher = [t for (d, level), t in tiers.items() if d == tier.department_id and level > tier.level]
        above[tier.pk] = min(higher, key=lambda t: t.level) if higher else None

    while True:
        with transaction.atomic():
            rows = list(
                Ticket.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(status=Status.OPEN, breached=False, due_at__lte=now)
                .order_by("due_at", "id")
                .values_list(
                    "id", "tier_id", "department_id", "owner_id", "due_at", "subject", "last_handoff_at",
                    "owned_since",
                )[:batch_size]
            )
            if not rows:
                break
            result.batches += 1
            _escalate_batch(rows, now, tier_by_id, above, result, keep_ids)
        if len(rows) < batch_size:
            break
    return result


def _escalate_batch(rows, now, tier_by_id, above, result: SweepResult, keep_ids: bool) -> None:
    """Escalate or breach one locked batch. Caller holds the row locks in a transaction."""
    records: list[SweepRecord] = []
    to_tier_ids: dict[int, list[int]] = {}
    breached: list[tuple[int, str]] = []
    escalated_by_tier: dict[int, list[tuple[int, str]]] = {}
    notes: dict[int, str] = {}
    # Before the UPDATE below: the release lookup reads the tickets' current tier entry.
    charged = _charge_time_outs(rows)
    for ticket_id, tier_id, department_id, owner_id, due, subject, previous_at, owned_since in rows:
        target = above.get(tier_id)
        tier_time = tier_by_id[tier_id].resolve_within
        if tier_id not in notes:
            tier = tier_by_id[tier_id]
            hours = _hours(tier.resolve_within)
            notes[tier_id] = (
                _("Not resolved within %(h)s h at the top tier, %(tier)s.") % {"h": hours, "tier": tier.name}
                if target is None
                else _("Not resolved within %(h)s h at %(tier)s.") % {"h": hours, "tier": tier.name}
            )
        if target is None:
            breached.append((ticket_id, subject))
            records.append(
                SweepRecord(
                    ticket_id, HandoffKind.BREACHED, owner_id, owner_id, tier_id, tier_id, department_id,
                    notes[tier_id], due, previous_at, owned_since, tier_time, charged[ticket_id],
                )
            )
        else:
            to_tier_ids.setdefault(target.pk, []).append(ticket_id)
            escalated_by_tier.setdefault(target.pk, []).append((ticket_id, subject))
            records.append(
                SweepRecord(
                    ticket_id, HandoffKind.ESCALATED, owner_id, None, tier_id, target.pk, department_id,
                    notes[tier_id], due, previous_at, owned_since, tier_time, charged[ticket_id],
                )
            )
    for target_id, ids in to_tier_ids.items():
        target = tier_by_id[target_id]
        Ticket.objects.filter(pk__in=ids).update(
            tier_id=target_id, owner=None, owned_since=None,
            tier_entered_at=now, due_at=deadline(now, target.resolve_within),
            # The journey, in the same statement: an escalation is a change of hands, and
            # adds a tier visited unless an earlier entry of the ticket entered that tier.
            last_handoff_at=now,
            handoff_count=F("handoff_count") + 1,
            tiers_visited=F("tiers_visited") + Case(
                When(Exists(Handoff.objects.filter(ticket_id=OuterRef("pk"), to_tier_id=target_id)), then=Value(0)),
                default=Value(1),
            ),
        )
    if breached:
        # A breach mark is a ledger entry but not a change of hands.
        Ticket.objects.filter(pk__in=[tid for tid, _s in breached]).update(
            breached=True, breached_at=now, last_handoff_at=now
        )
    if connection.vendor == "postgresql":
        _insert_sweep_handoffs_postgresql(records, now)
    else:
        _insert_sweep_handoffs(records, now)
    notifications.send_sweep_notifications(
        escalated_by_tier, {tid: tier_by_id[tid].name for tid in escalated_by_tier}, breached
    )
    escalated = sum(len(ids) for ids in to_tier_ids.values())
    result.escalated += escalated
    result.breached += len(breached)
    if keep_ids:
        result.escalated_ids.extend(i for ids in to_tier_ids.values() for i in ids)
        result.breached_ids.extend(tid for tid, _s in breached)


def _charge_time_outs(rows) -> dict[int, int | None]:
    """{ticket id: whom its time-out is charged to} for a locked batch of due tickets.

    One query at most, whatever the batch's size: the latest release at the current tier
    visit (``at >= tier_entered_at``, read from the locked rows themselves) of every ticket
    whose charge depends on it: nobody owns it, or its owner received it late. Any release
    at this visit came before the current owner received the ticket: a release leaves it
    unowned, so whoever owns it now got it afterwards.
    """
    needs_release = [
        ticket_id
        for ticket_id, _t, _d, owner_id, due, _s, _p, owned_since in rows
        if owner_id is None or responsibility.is_late_receipt(owned_since, due)
    ]
    releases = {}
    if needs_release:
        releases = {
            h.ticket_id: h
            for h in Handoff.objects.filter(
                ticket_id__in=needs_release,
                kind=HandoffKind.RELEASED,
                at__gte=F("ticket__tier_entered_at"),
            )
            .annotate(newest=Window(RowNumber(), partition_by=[F("ticket_id")], order_by=F("id").desc()))
            .filter(newest=1)
            .only("ticket_id", "kind", "at", "actor_id", "from_owner_id", "due_at", "tier_time")
        }
    return {
        ticket_id: responsibility.charge_time_out(
            owner_id=owner_id, owned_since=owned_since, due_at=due, last_release=releases.get(ticket_id)
        )
        for ticket_id, _t, _d, owner_id, due, _s, _p, owned_since in rows
    }


class SweepRecord(NamedTuple):
    """One handoff the sweep writes. The sweep never changes a ticket's department."""

    ticket_id: int
    kind: str
    from_owner_id: int | None
    to_owner_id: int | None
    from_tier_id: int
    to_tier_id: int
    department_id: int
    note: str
    due: datetime  # the deadline that ran out: sweep_lateness = now - due
    # The ticket's previous ledger entry (its last_handoff_at under the lock): since_previous
    # = now - previous_at. None (unknown) leaves since_previous empty.
    previous_at: datetime | None = None
    # When the owner (from_owner) received it: held_for = now - owned_since, if both known.
    owned_since: datetime | None = None
    tier_time: timedelta | None = None  # the resolve_within of from_tier, read by this sweep
    charged_to_id: int | None = None  # tickets.responsibility.charge_time_out


def _sweep_entry(r: SweepRecord, now: datetime) -> dict:
    """The handoff of one sweep record, by field name (as ``ledger.CHAIN_FIELDS`` reads it)."""
    return {
        "ticket_id": r.ticket_id, "kind": r.kind, "at": now, "actor_id": None,
        "from_owner_id": r.from_owner_id, "to_owner_id": r.to_owner_id,
        "from_tier_id": r.from_tier_id, "to_tier_id": r.to_tier_id,
        "from_department_id": r.department_id, "to_department_id": r.department_id,
        "note": r.note, "sweep_lateness": now - r.due,
        "since_previous": now - r.previous_at if r.previous_at else None,
        "tier_time": r.tier_time, "due_at": r.due,
        "held_for": now - r.owned_since if r.from_owner_id is not None and r.owned_since else None,
        "charged_to_id": r.charged_to_id,
    }


def _insert_sweep_handoffs(records: list[tuple], now: datetime) -> None:
    """Write the sweep's handoffs through the ORM (any database), chained in Python.

    One query reads the batch's chain heads (the tickets are locked by the caller).
    """
    records = [SweepRecord(*record) for record in records]
    if not records:
        return
    heads = ledger.chain_heads([r.ticket_id for r in records])
    entries = [_sweep_entry(r, now) for r in records]
    Handoff.objects.bulk_create(
        Handoff(**entry, chain_hash=ledger.chain_hash(entry, heads.get(entry["ticket_id"])))
        for entry in entries
    )


# The columns of the sweep's handoffs, computed once from the unnested arrays (``r``) and
# then hashed over (``c``), so the hash covers exactly the values stored.
_SWEEP_COLUMNS = {
    "ticket_id": "r.ticket_id", "kind": "r.kind", "at": "%(now)s::timestamptz", "actor_id": "NULL::bigint",
    "from_owner_id": "r.from_owner", "to_owner_id": "r.to_owner",
    "from_tier_id": "r.from_tier", "to_tier_id": "r.to_tier",
    "from_department_id": "r.department", "to_department_id": "r.department",
    "note": "r.note", "sweep_lateness": "%(now)s::timestamptz - r.due",
    "since_previous": "%(now)s::timestamptz - r.previous_at", "tier_time": "r.tier_time", "due_at": "r.due",
    "held_for": "CASE WHEN r.from_owner IS NOT NULL THEN %(now)s::timestamptz - r.owned_since END",
    "charged_to_id": "r.charged_to",
}
_SWEEP_CHAIN_SQL = ledger.chain_hash_sql(
    {name: f"c.{name}" for name in ledger.CHAIN_FIELD_NAMES},
    # The ticket's latest entry (locked by the sweep): one probe of the ticket index per row.
    "(SELECT h.chain_hash FROM tickets_handoff h WHERE h.ticket_id = c.ticket_id ORDER BY h.id DESC LIMIT 1)",
)


def _insert_sweep_handoffs_postgresql(records: list[tuple], now: datetime) -> None:
    """Write the sweep's handoffs with one INSERT ... SELECT FROM unnest(arrays).

    The same rows as ``_insert_sweep_handoffs``, chain hashes included (computed by the
    same statement with PostgreSQL's ``sha256``); measured (bench/sweep.py) to halve the
    sweep's time, most of which went into building and compiling 1,000 model instances
    per batch.
    """
    if not records:
        return
    columns = list(zip(*(SweepRecord(*record) for record in records), strict=True))
    table = connection.ops.quote_name(Handoff._meta.db_table)
    names = ", ".join(ledger.CHAIN_FIELD_NAMES)
    computed = ", ".join(f"{expr} AS {name}" for name, expr in _SWEEP_COLUMNS.items())
    arrays = dict(zip(
        ("ticket_id", "kind", "from_owner", "to_owner", "from_tier", "to_tier", "department", "note", "due",
         "previous_at", "owned_since", "tier_time", "charged_to"),
        (list(column) for column in columns),
        strict=True,
    ))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} ({names}, chain_hash)
            SELECT {names}, {_SWEEP_CHAIN_SQL}
            FROM (
                SELECT {computed}
                FROM unnest(%(ticket_id)s::bigint[], %(kind)s::varchar[], %(from_owner)s::bigint[],
                            %(to_owner)s::bigint[], %(from_tier)s::bigint[], %(to_tier)s::bigint[],
                            %(department)s::bigint[], %(note)s::text[], %(due)s::timestamptz[],
                            %(previous_at)s::timestamptz[], %(owned_since)s::timestamptz[],
                            %(tier_time)s::interval[], %(charged_to)s::bigint[])
                     AS r(ticket_id, kind, from_owner, to_owner, from_tier, to_tier, department, note, due,
                          previous_at, owned_since, tier_time, charged_to)
            ) AS c
            """,
            {"now": now, **arrays},
        )


def _hours(duration) -> str:
    hours = duration.total_seconds() / 3600
    return f"{hours:g}"


def user_by_username(username: str):
    """Look up an active user for an assignment; None when there is no such person."""
    if not username:
        return None
    return get_user_model().objects.filter(username=username, is_active=True).first()
