"""A beat scheduler that survives its machine's clock being stepped backwards.

Celery's ``PersistentScheduler`` keeps each entry's last run time in its schedule file.
If the clock steps back (NTP correction, a VM restored, a wrong clock fixed by hand),
those times lie in the future: an interval entry then waits until the clock catches up
with them, and beat's heap, ordered by those times, sends nothing meanwhile. The clock of
a product that promises "nothing slips out of sight" must not stop for that.

``ClockSafeScheduler`` forgets any last run time in the future, at start and before every
tick: an interval entry becomes due at once (every periodic task here is safe to run
again), a crontab entry is counted from now (its next occurrence, not an extra run). A
forward step needs nothing: every entry is simply due, once.

Use it with ``CELERY_BEAT_SCHEDULER = "escalation.beat:ClockSafeScheduler"`` (set in
``config/settings.py``, so ``celery beat`` and ``celery worker -B`` both pick it up).
"""

import logging
from collections.abc import Iterable

from celery.beat import PersistentScheduler, ScheduleEntry
from celery.schedules import schedule as interval_schedule

log = logging.getLogger(__name__)


def forget_future_runs(entries: Iterable[ScheduleEntry]) -> list[str]:
    """Reset every entry whose last run lies in the future; return the names reset."""
    reset = []
    for entry in entries:
        now = entry.default_now()
        last_run_at = entry.schedule.maybe_make_aware(entry.last_run_at)
        if last_run_at <= now:
            continue
        if isinstance(entry.schedule, interval_schedule):
            # Due at once: we cannot know when it really ran, and a rerun is harmless.
            entry.last_run_at = now - entry.schedule.run_every
        else:
            entry.last_run_at = now
        log.warning(
            "beat: %s last ran at %s, after now (%s): the clock stepped back; reset.",
            entry.name,
            last_run_at.isoformat(),
            now.isoformat(),
        )
        reset.append(entry.name)
    return reset


class ClockSafeScheduler(PersistentScheduler):
    """``PersistentScheduler`` that treats a last run time in the future as "run now"."""

    def setup_schedule(self):
        super().setup_schedule()
        if forget_future_runs(self.schedule.values()):
            self.sync()

    def tick(self, *args, **kwargs):
        if forget_future_runs(self.schedule.values()):
            # The heap is ordered by times computed before the step: rebuild it.
            self._heap = None
        return super().tick(*args, **kwargs)
