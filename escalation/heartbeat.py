"""The dead-man's switch: record each completed sweep, notice when they stop, tell managers once.

The clock is the one part of Tierdesk whose failure nobody sees: tickets simply stop moving.
Each completed sweep stamps ``ClockHeartbeat``; ``/healthz/`` (and the referral task, which
beat queues at the same rate) compare that stamp with ``ESCALATION_STALE_AFTER_SWEEPS``
intervals and, the first time one of them finds it stale, email the managers. The row
lock makes that email exactly-once per outage, whoever notices first.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from escalation.models import ClockHeartbeat

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClockStatus:
    ok: bool
    last_sweep_at: datetime | None
    age: timedelta
    limit: timedelta

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "last_sweep_at": self.last_sweep_at.isoformat() if self.last_sweep_at else None,
            "age_seconds": round(self.age.total_seconds()),
            "limit_seconds": round(self.limit.total_seconds()),
        }


def stale_after() -> timedelta:
    """How long without a completed sweep before the clock counts as stopped."""
    return timedelta(seconds=settings.ESCALATION_SWEEP_SECONDS * settings.ESCALATION_STALE_AFTER_SWEEPS)


def _heartbeat(now: datetime) -> ClockHeartbeat:
    heartbeat, _created = ClockHeartbeat.objects.get_or_create(
        pk=ClockHeartbeat.SINGLETON, defaults={"watched_since": now}
    )
    return heartbeat


def record_sweep_completed(now: datetime | None = None) -> None:
    """Stamp the heartbeat: a sweep has just finished (whatever it found to do)."""
    now = now or timezone.now()
    ClockHeartbeat.objects.update_or_create(
        pk=ClockHeartbeat.SINGLETON,
        defaults={"last_sweep_at": now},
        create_defaults={"watched_since": now, "last_sweep_at": now},
    )


def _status_of(heartbeat: ClockHeartbeat, now: datetime) -> ClockStatus:
    since = heartbeat.last_sweep_at or heartbeat.watched_since
    age = max(now - since, timedelta(0))
    limit = stale_after()
    return ClockStatus(ok=age <= limit, last_sweep_at=heartbeat.last_sweep_at, age=age, limit=limit)


def clock_status(now: datetime | None = None) -> ClockStatus:
    """How long ago the last sweep completed, and whether that is still healthy."""
    now = now or timezone.now()
    return _status_of(_heartbeat(now), now)


def try_report_stopped_clock(now: datetime | None = None) -> bool:
    """Email the managers that the clock stopped, once per outage; return whether this call did.

    Safe to call from every web and worker process at once: the heartbeat row is locked,
    and an outage already reported (``stop_reported_at`` after the last sweep) is skipped.
    """
    from departments.mail import queue_staff_email
    from departments.queries import manager_emails

    now = now or timezone.now()
    _heartbeat(now)
    with transaction.atomic():
        heartbeat = ClockHeartbeat.objects.select_for_update().get(pk=ClockHeartbeat.SINGLETON)
        status = _status_of(heartbeat, now)
        outage_began = heartbeat.last_sweep_at or heartbeat.watched_since
        if status.ok or (heartbeat.stop_reported_at and heartbeat.stop_reported_at >= outage_began):
            return False
        queue_staff_email(
            "clock_stopped",
            manager_emails(),
            {"minutes": round(status.age.total_seconds() / 60), "last_sweep_at": heartbeat.last_sweep_at},
        )
        heartbeat.stop_reported_at = now
        heartbeat.save(update_fields=["stop_reported_at"])
    log.error("Escalation clock stopped: no sweep for %s; managers told.", status.age)
    return True
