"""The clock's hand: one sweep escalates every ticket whose time at its tier has run out."""

import logging

from django.conf import settings
from django.utils import timezone

from tickets.actions import SweepResult, do_escalate_due_tickets

log = logging.getLogger(__name__)


def run_sweep(now=None, *, batch_size: int | None = None) -> SweepResult:
    """Escalate every due ticket once; safe to run on several workers at the same moment."""
    now = now or timezone.now()
    result = do_escalate_due_tickets(now=now, batch_size=batch_size or settings.ESCALATION_BATCH_SIZE)
    if result.escalated or result.breached:
        log.info("Escalation sweep at %s: %s", now.isoformat(), result)
    return result
