"""The deadline rule, kept pure so the clock can be passed in."""

from datetime import UTC, datetime, timedelta

from departments.calendars import WorkingHours, add_working_time


def due_at(entered_at: datetime, resolve_within: timedelta, hours: WorkingHours | None = None) -> datetime:
    """Return when a ticket that entered a tier at ``entered_at`` must be resolved there.

    With no working hours (a 24/7 department, the default) the sum is taken in UTC, so that
    20 hours are 20 real hours even when the organisation's clocks change for daylight
    saving in between. With a department's working hours, ``resolve_within`` counts only
    their working time (``departments.calendars.add_working_time``).
    """
    if entered_at.tzinfo is None:
        raise ValueError("entered_at must be an aware datetime")
    if hours is None:
        return entered_at.astimezone(UTC) + resolve_within
    return add_working_time(entered_at, resolve_within, hours)
