"""The sweep: every open ticket whose time at its tier has run out moves one tier up.

One name everywhere: ``escalate_overdue`` is this function, the Celery task
``escalation.escalate_overdue`` (beat, every ESCALATION_SWEEP_SECONDS) and the command
``manage.py escalate_overdue``. The sweep selects and locks what is due, in batches; the
write of a batch is the tickets' own (``tickets.actions.do_escalate_batch``).
"""

import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from departments.models import Tier
from tickets.actions import SweepResult, do_escalate_batch
from tickets.models import Status, Ticket

log = logging.getLogger(__name__)


def overdue_tickets(now: datetime) -> QuerySet[Ticket]:
    """What the sweep moves at ``now``: open tickets past their tier's time, not breached,
    not waiting on the customer (their clock is stopped). The conditions are those of the
    partial index ``ticket_due_open_idx``, so the sweep reads only its due entries."""
    return Ticket.objects.filter(status=Status.OPEN, breached=False, paused_at__isnull=True, due_at__lte=now)


def escalate_overdue(
    *, now: datetime | None = None, batch_size: int | None = None, keep_ids: bool = False
) -> SweepResult:
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
    batch_size = batch_size or settings.ESCALATION_BATCH_SIZE
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
                overdue_tickets(now)
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("due_at", "id")
                .values_list(
                    "id", "tier_id", "department_id", "owner_id", "due_at", "subject", "last_handoff_at",
                    "owned_since",
                )[:batch_size]
            )
            if not rows:
                break
            result.batches += 1
            do_escalate_batch(rows, now, tier_by_id, above, result, keep_ids)
        if len(rows) < batch_size:
            break
    if result.escalated or result.breached:
        log.info("Escalation sweep at %s: %s", now.isoformat(), result)
    return result
