"""The deadline rule, kept pure so the clock can be passed in."""

from datetime import UTC, datetime, timedelta


def due_at(entered_at: datetime, resolve_within: timedelta) -> datetime:
    """Return when a ticket that entered a tier at ``entered_at`` must be resolved there.

    The sum is taken in UTC so that 20 hours are 20 real hours even when the
    organisation's clocks change for daylight saving in between.
    """
    if entered_at.tzinfo is None:
        raise ValueError("entered_at must be an aware datetime")
    return entered_at.astimezone(UTC) + resolve_within
