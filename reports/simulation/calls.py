"""When calls come in, and when people are at work, on the organisation's wall clock.

Calls follow a call centre's day: a trickle at night, a climb from 08:00 to a late-morning
peak, a slower afternoon and a tail until 20:00; weekends are quieter. Hours are local
(``reports.months.organisation_zone()``), so the peak stays at 11:00 across a
daylight-saving change and a day is a calendar day, 23 or 25 hours long when the clocks move.
"""

import math
import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# Relative call volume per local hour, 00 to 23.
HOURLY_WEIGHTS = [
    0.15, 0.1, 0.08, 0.08, 0.08, 0.1, 0.2, 0.5,  # night: a trickle
    3.0, 5.0, 6.5, 7.0, 6.0, 5.0, 5.0, 4.8,      # 08-16: the peak at 11
    4.5, 4.0, 3.2, 2.2, 0.8, 0.5, 0.35, 0.2,     # the evening tail
]  # fmt: skip
# Relative volume per ISO weekday (Monday = 1).
WEEKDAY_WEIGHTS = {1: 1.15, 2: 1.05, 3: 1.0, 4: 1.0, 5: 0.95, 6: 0.55, 7: 0.35}
WORKDAY_STARTS = time(8)
WORKDAY_ENDS = time(20)


def local_day_start(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant at which ``day`` begins on the organisation's clock."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def calls_on(day: date, calls_per_day: float, rng: random.Random, zone: ZoneInfo) -> list[datetime]:
    """The instants (UTC, sorted) at which customers call on a local ``day``.

    ``calls_per_day`` is the volume of an average weekday; the day's count is drawn around
    it (roughly Poisson), then each call gets an hour by ``HOURLY_WEIGHTS`` and a minute and
    second at random. A local time that does not exist (the hour skipped in spring) still
    maps to a real instant; the repeated hour in autumn gets its calls once.
    """
    mean = calls_per_day * WEEKDAY_WEIGHTS[day.isoweekday()]
    count = max(0, round(rng.gauss(mean, math.sqrt(mean)))) if mean > 0 else 0
    hours = rng.choices(range(24), weights=HOURLY_WEIGHTS, k=count)
    instants = []
    for hour in hours:
        local = datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60)), tzinfo=zone)
        instants.append(local.astimezone(UTC))
    return sorted(instants)


def is_working_time(instant: datetime, zone: ZoneInfo) -> bool:
    local = instant.astimezone(zone).time()
    return WORKDAY_STARTS <= local < WORKDAY_ENDS


def next_working_time(instant: datetime, rng: random.Random, zone: ZoneInfo) -> datetime:
    """``instant`` if people are at work then, else a few minutes after the next 08:00."""
    if is_working_time(instant, zone):
        return instant
    local = instant.astimezone(zone)
    day = local.date() if local.time() < WORKDAY_STARTS else local.date() + timedelta(days=1)
    opening = datetime.combine(day, WORKDAY_STARTS, tzinfo=zone).astimezone(UTC)
    return opening + timedelta(minutes=rng.randint(2, 50), seconds=rng.randrange(60))


def working_window(
    begin: datetime, end: datetime, zone: ZoneInfo
) -> tuple[datetime, datetime] | None:
    """The first stretch of working time inside [begin, end), or None when there is none."""
    t = begin
    while t < end:
        if is_working_time(t, zone):
            local = t.astimezone(zone)
            closing = datetime.combine(local.date(), WORKDAY_ENDS, tzinfo=zone).astimezone(UTC)
            return t, min(closing, end)
        local = t.astimezone(zone)
        day = local.date() if local.time() < WORKDAY_STARTS else local.date() + timedelta(days=1)
        t = datetime.combine(day, WORKDAY_STARTS, tzinfo=zone).astimezone(UTC)
    return None


def between(rng: random.Random, low: timedelta, high: timedelta) -> timedelta:
    """A random duration in [low, high], to the second."""
    return timedelta(seconds=rng.randint(int(low.total_seconds()), int(high.total_seconds())))


def minutes(rng: random.Random, low: float, high: float) -> timedelta:
    return between(rng, timedelta(minutes=low), timedelta(minutes=high))


def hours(rng: random.Random, low: float, high: float) -> timedelta:
    return between(rng, timedelta(hours=low), timedelta(hours=high))
