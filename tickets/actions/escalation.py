"""The clock's write: escalating or breaching a locked batch of due tickets."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple, TypeAlias

from django.db import connection
from django.db.models import Case, Exists, F, OuterRef, Value, When, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext as _

from departments.deadlines import due_at as deadline
from departments.models import Tier
from tickets import ledger, notifications, responsibility, shifts
from tickets.models import (
    Handoff,
    HandoffKind,
    Ticket,
)

# --- the clock ------------------------------------------------------------------------


@dataclass
class SweepResult:
    escalated: int = 0
    breached: int = 0
    batches: int = 0
    escalated_ids: list[int] = field(default_factory=list, repr=False)
    breached_ids: list[int] = field(default_factory=list, repr=False)

    def __str__(self) -> str:
        return f"escalated {self.escalated}, breached {self.breached}"


# One due ticket as ``escalation.sweep`` reads it: id, tier_id, department_id, owner_id,
# due_at, subject, last_handoff_at, owned_since.
DueRow: TypeAlias = tuple[
    int, int, int, int | None, datetime, str, datetime | None, datetime | None
]


def do_escalate_batch(
    rows: Sequence[DueRow],
    now: datetime,
    tier_by_id: Mapping[int, Tier],
    above: Mapping[int, Tier | None],
    result: SweepResult,
    keep_ids: bool,
) -> None:
    """Escalate or breach one locked batch of due tickets (``escalation.sweep`` selects and
    locks them, in the transaction it holds): one UPDATE per receiving tier, one INSERT of
    their handoffs, the notifications queued. Each handoff carries whom the time-out is
    charged to, whether that person was off shift at the deadline and the department's
    calendar in force (``tickets.shifts``), read once per batch."""
    records: list[SweepRecord] = []
    to_tier_ids: dict[int, list[int]] = {}
    breached: list[tuple[int, str]] = []
    escalated_by_tier: dict[int, list[tuple[int, str]]] = {}
    notes: dict[int, str] = {}
    # Before the UPDATE below: the release lookup reads the tickets' current tier entry.
    charged = _charge_time_outs(rows)
    calendars = shifts.department_calendars({row[2] for row in rows})
    off_shift = _off_shift(rows, charged, calendars)
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
                    off_shift[ticket_id], calendars[department_id][1] if department_id in calendars else None,
                )
            )
        else:
            to_tier_ids.setdefault(target.pk, []).append(ticket_id)
            escalated_by_tier.setdefault(target.pk, []).append((ticket_id, subject))
            records.append(
                SweepRecord(
                    ticket_id, HandoffKind.ESCALATED, owner_id, None, tier_id, target.pk, department_id,
                    notes[tier_id], due, previous_at, owned_since, tier_time, charged[ticket_id],
                    off_shift[ticket_id], calendars[department_id][1] if department_id in calendars else None,
                )
            )
    working = {department_id: hours for department_id, (hours, _text) in calendars.items()}
    for target_id, ids in to_tier_ids.items():
        target = tier_by_id[target_id]
        Ticket.objects.filter(pk__in=ids).update(
            tier_id=target_id, owner=None, owned_since=None,
            tier_entered_at=now, due_at=deadline(now, target.resolve_within, working.get(target.department_id)),
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


def _charge_time_outs(rows: Sequence[DueRow]) -> dict[int, int | None]:
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
    releases: dict[int, Handoff] = {}
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


def _off_shift(
    rows: Sequence[DueRow], charged: Mapping[int, int | None], calendars: Mapping[int, tuple[Any, str | None]]
) -> dict[int, bool | None]:
    """{ticket id: whether the person its time-out is charged to was off shift at the deadline}.

    None for an unowned time-out. The charged people's own shifts are read in one query
    (one more for their holidays), for the whole batch (``tickets.shifts``).
    """
    personal = shifts.personal_shifts(
        {(person, row[2]) for row in rows if (person := charged[row[0]]) is not None}
    )
    result: dict[int, bool | None] = {}
    for ticket_id, _t, department_id, _o, due, _s, _p, _os in rows:
        person = charged[ticket_id]
        if person is None:
            result[ticket_id] = None
            continue
        hours = personal.get((person, department_id))
        if hours is None and department_id in calendars:
            hours = calendars[department_id][0]
        result[ticket_id] = shifts.was_off_shift(due, hours)
    return result


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
    off_shift: bool | None = None  # the charged person's shifts at ``due`` (tickets.shifts)
    working_hours: str | None = None  # the department's calendar in force (None: 24/7)


def _sweep_entry(r: SweepRecord, now: datetime) -> dict[str, Any]:
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
        "charged_to_id": r.charged_to_id, "off_shift": r.off_shift, "working_hours": r.working_hours,
    }


def _insert_sweep_handoffs(records: Sequence[tuple[Any, ...]], now: datetime) -> None:
    """Write the sweep's handoffs through the ORM (any database), chained in Python.

    ``records`` are SweepRecords, or plain tuples of their fields in order.
    One query reads the batch's chain heads (the tickets are locked by the caller).
    """
    sweep_records = [SweepRecord(*record) for record in records]
    if not sweep_records:
        return
    heads = ledger.chain_heads([r.ticket_id for r in sweep_records])
    entries = [_sweep_entry(r, now) for r in sweep_records]
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
    "charged_to_id": "r.charged_to", "off_shift": "r.off_shift", "working_hours": "r.working_hours",
}
# The fields the sweep writes besides CHAIN_FIELDS (never a pause's: left NULL).
_SWEEP_OPTIONAL = ("off_shift", "working_hours")
_SWEEP_CHAIN_SQL = ledger.chain_hash_sql(
    # The sweep never writes a pause's fields (ledger.OPTIONAL_CHAIN_FIELDS): left NULL.
    {name: f"c.{name}" for name in (*(n for n, _form in ledger.CHAIN_FIELDS), *_SWEEP_OPTIONAL)},
    # The ticket's latest entry (locked by the sweep): one probe of the ticket index per row.
    "(SELECT h.chain_hash FROM tickets_handoff h WHERE h.ticket_id = c.ticket_id ORDER BY h.id DESC LIMIT 1)",
)


def _insert_sweep_handoffs_postgresql(records: Sequence[tuple[Any, ...]], now: datetime) -> None:
    """Write the sweep's handoffs with one INSERT ... SELECT FROM unnest(arrays).

    ``records`` as for ``_insert_sweep_handoffs``.

    The same rows as ``_insert_sweep_handoffs``, chain hashes included (computed by the
    same statement with PostgreSQL's ``sha256``); measured (bench/sweep.py) to halve the
    sweep's time, most of which went into building and compiling 1,000 model instances
    per batch.
    """
    if not records:
        return
    columns = list(zip(*(SweepRecord(*record) for record in records), strict=True))
    table = connection.ops.quote_name(Handoff._meta.db_table)
    names = ", ".join((*(name for name, _form in ledger.CHAIN_FIELDS), *_SWEEP_OPTIONAL))
    computed = ", ".join(f"{expr} AS {name}" for name, expr in _SWEEP_COLUMNS.items())
    arrays = dict(zip(
        ("ticket_id", "kind", "from_owner", "to_owner", "from_tier", "to_tier", "department", "note", "due",
         "previous_at", "owned_since", "tier_time", "charged_to", "off_shift", "working_hours"),
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
                            %(tier_time)s::interval[], %(charged_to)s::bigint[], %(off_shift)s::boolean[],
                            %(working_hours)s::text[])
                     AS r(ticket_id, kind, from_owner, to_owner, from_tier, to_tier, department, note, due,
                          previous_at, owned_since, tier_time, charged_to, off_shift, working_hours)
            ) AS c
            """,
            {"now": now, **arrays},
        )


def _hours(duration: timedelta) -> str:
    hours = duration.total_seconds() / 3600
    return f"{hours:g}"


