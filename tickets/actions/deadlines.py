"""The configuration's write of open tickets' deadlines: after a tier's time, a calendar or a
department's choice of calendar changed, ``due_at`` follows (invariant 4).

Called by the receiver of ``departments.signals.working_time_changed`` inside the
configuration change's transaction. No handoff is written: the ticket's owner, tier,
department and status do not change. Resolved and breached tickets are never touched (a
breach is a fact of the moment it happened).
"""

from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Case, DateTimeField, F, Q, QuerySet, Value, When

from departments.calendars import WorkingHours
from departments.deadlines import due_at as deadline
from departments.models import Tier
from departments.queries import working_hours_by_department
from tickets.models import Status, Ticket

BATCH_SIZE = 5000


def _open_tickets() -> QuerySet[Ticket]:
    tickets = Ticket.objects.filter(status=Status.OPEN, breached=False)
    # Paused tickets keep their clock stopped: whoever resumes them sets the new due.
    if hasattr(Ticket, "paused_at"):  # PAUSED: the one line that leaves paused tickets out
        tickets = tickets.exclude(paused_at__isnull=False)
    return tickets


def do_recompute_due(
    *,
    tier_ids: list[int] | None = None,
    department_ids: list[int] | None = None,
    now: datetime,
    batch_size: int = BATCH_SIZE,
) -> int:
    """Set ``due_at`` of the open tickets at those tiers (or in those departments) again.

    Due = ``deadline(tier_entered_at, tier.resolve_within, department's hours)``. Tiers of
    24/7 departments are one UPDATE computed in SQL; tiers with working hours are computed
    in Python (once per distinct entry instant) and written with one statement per batch of
    ``batch_size`` tickets. Each write re-checks the ticket's tier and entry instant, so a
    ticket moved meanwhile keeps the due its move gave it. Returns how many were written.
    """
    condition = Q()
    if tier_ids:
        condition |= Q(pk__in=tier_ids)
    if department_ids:
        condition |= Q(department_id__in=department_ids)
    if not condition:
        return 0
    tiers = {
        pk: (department_id, resolve_within)
        for pk, department_id, resolve_within in Tier.objects.filter(condition).values_list(
            "pk", "department_id", "resolve_within"
        )
    }
    if not tiers:
        return 0
    hours = working_hours_by_department({department_id for department_id, _ in tiers.values()})
    plain = {pk: within for pk, (department_id, within) in tiers.items() if department_id not in hours}
    counted = {
        pk: (within, hours[department_id])
        for pk, (department_id, within) in tiers.items()
        if department_id in hours
    }
    written = 0
    if plain:
        written += _update_plain(plain)
    if counted:
        written += _update_counted(counted, batch_size)
    return written


def _update_plain(tiers: dict[int, timedelta]) -> int:
    """24/7 tiers: ``due_at = tier_entered_at + resolve_within`` in one UPDATE."""
    return _open_tickets().filter(tier_id__in=tiers).update(
        due_at=Case(
            *(When(tier_id=pk, then=F("tier_entered_at") + Value(within)) for pk, within in tiers.items()),
            output_field=DateTimeField(),
        )
    )


def _update_counted(tiers: dict[int, tuple[timedelta, WorkingHours]], batch_size: int) -> int:
    written = 0
    memo: dict[tuple[int, datetime], datetime] = {}
    last_id = 0
    while True:
        batch = list(
            _open_tickets()
            .filter(tier_id__in=tiers, pk__gt=last_id)
            .order_by("pk")
            .values_list("pk", "tier_id", "tier_entered_at")[:batch_size]
        )
        if not batch:
            break
        rows = []
        for pk, tier_id, entered_at in batch:
            key = (tier_id, entered_at)
            if key not in memo:
                within, hours = tiers[tier_id]
                memo[key] = deadline(entered_at, within, hours)
            rows.append((pk, tier_id, entered_at, memo[key]))
        written += _write_batch(rows)
        last_id = batch[-1][0]
        if len(batch) < batch_size:
            break
    return written


def _write_batch(rows: list[tuple[int, int, datetime, datetime]]) -> int:
    """One statement for the batch; each row only while the ticket is open at that tier since then."""
    if connection.vendor == "postgresql":
        table = Ticket._meta.db_table
        values = ", ".join(["(%s::bigint, %s::bigint, %s::timestamptz, %s::timestamptz)"] * len(rows))
        params: list[Any] = [value for row in rows for value in row]
        paused = " AND t.paused_at IS NULL" if hasattr(Ticket, "paused_at") else ""
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} AS t SET due_at = v.due "
                f"FROM (VALUES {values}) AS v(id, tier_id, entered_at, due) "
                "WHERE t.id = v.id AND t.tier_id = v.tier_id AND t.tier_entered_at = v.entered_at "
                f"AND t.status = %s AND NOT t.breached{paused}",
                [*params, Status.OPEN],
            )
            written: int = cursor.rowcount
            return written
    return (
        _open_tickets()
        .filter(pk__in=[row[0] for row in rows])
        .update(
            due_at=Case(
                *(
                    When(pk=pk, tier_id=tier_id, tier_entered_at=entered_at, then=Value(due))
                    for pk, tier_id, entered_at, due in rows
                ),
                default=F("due_at"),
                output_field=DateTimeField(),
            )
        )
    )


def recompute_due_on_working_time_change(
    sender: object,
    *,
    now: datetime,
    tier_ids: list[int] | None = None,
    department_ids: list[int] | None = None,
    **kwargs: object,
) -> None:
    """Receiver of ``departments.signals.working_time_changed`` (connected in ``TicketsConfig.ready``)."""
    do_recompute_due(tier_ids=tier_ids, department_ids=department_ids, now=now)
