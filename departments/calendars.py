"""Working time: which instants a department works, and when a span of working time ends.

Pure: no database. A ``WorkingHours`` is a time zone, weekly intervals and holidays.

- An instant is **working** when its wall-clock time in the zone falls inside one of the
  intervals of the day the interval starts on: ``08:00-12:00`` on Monday covers Monday
  08:00 to 11:59:59.999…; ``22:00-06:00`` on Friday covers Friday 22:00 to Saturday 06:00
  (an interval that crosses midnight belongs to the day it starts). ``00:00-24:00`` is a
  whole day.
- A **holiday** (a single date, or a month and day every year) removes the intervals that
  start on that date.
- Daylight saving: wall-clock time decides. On the night clocks go forward an interval
  ``00:00-08:00`` holds seven real hours; on the night they go back it holds nine, because
  the repeated hour is worked twice over. Asia/Kolkata has no changes and needs nothing.

``add_working_time(start, span, hours)`` is the one function that turns an entry instant and a
working-time span into a due instant; ``None`` hours mean 24/7, where it is plain addition in
UTC, exactly as before calendars existed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

DAY = timedelta(days=1)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Looking further than this for working time means the calendar has (almost) none.
SEARCH_LIMIT = timedelta(days=800)
_INTERVAL = re.compile(r"^\s*([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-4]):([0-5]\d)\s*$")


class NoWorkingTime(ValueError):
    """The calendar has no working time within ``SEARCH_LIMIT`` of the start."""


@dataclass(frozen=True)
class WorkingHours:
    zone: ZoneInfo
    # Per weekday (Monday first), the intervals as (start, end) minutes after midnight;
    # end <= start crosses midnight (end 0 with start 0 is a whole day).
    week: tuple[tuple[tuple[int, int], ...], ...]
    holidays: frozenset[date] = field(default_factory=frozenset)
    yearly: frozenset[tuple[int, int]] = field(default_factory=frozenset)  # (month, day)
    # How the ledger names the calendar these hours come from (Calendar.describe); not compared.
    rule: str | None = field(default=None, compare=False)

    def is_holiday(self, day: date) -> bool:
        return day in self.holidays or (day.month, day.day) in self.yearly

    @property
    def has_hours(self) -> bool:
        return any(self.week)


def parse_intervals(text: str) -> tuple[tuple[int, int], ...]:
    """ "08:00-12:00, 13:00-17:00" -> ((480, 720), (780, 1020)); "" -> (); ValueError if bad."""
    intervals = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = _INTERVAL.match(part)
        if not match:
            raise ValueError(part)
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if end > 24 * 60 or start == 24 * 60:
            raise ValueError(part)
        intervals.append((start, 0 if end == 24 * 60 and start == 0 else end % (24 * 60)))
    return tuple(sorted(intervals))


def format_intervals(intervals: Iterable[tuple[int, int]]) -> str:
    def hm(minutes: int) -> str:
        return f"{minutes // 60:02d}:{minutes % 60:02d}"

    return ", ".join(
        f"{hm(s)}-{'24:00' if (s, e) == (0, 0) else hm(e)}" for s, e in intervals
    )


def _offset_segments(lo: datetime, hi: datetime, zone: ZoneInfo) -> list[tuple[datetime, datetime, timedelta]]:
    """[lo, hi) in UTC cut where the zone's offset changes: (start, end, offset) pieces."""
    def offset(at: datetime) -> timedelta:
        return at.astimezone(zone).utcoffset() or timedelta(0)

    # Offsets change at most a few times a year: sample every 3 hours, then bisect each change
    # to the second (transitions happen on whole seconds).
    points = [lo]
    while points[-1] + timedelta(hours=3) < hi:
        points.append(points[-1] + timedelta(hours=3))
    points.append(hi)
    cuts = []
    for a, b in pairwise(points):
        if offset(a) != offset(b):
            left, right = a, b
            while right - left > timedelta(seconds=1):
                middle = left + (right - left) / 2
                middle = middle.replace(microsecond=0)
                if middle <= left:
                    middle = left + timedelta(seconds=1)
                if offset(middle) == offset(left):
                    left = middle
                else:
                    right = middle
            cuts.append(right)
    bounds = [lo, *cuts, hi]
    return [(a, b, offset(a)) for a, b in pairwise(bounds) if a < b]


def _wall_intervals(hours: WorkingHours, first: date, last: date) -> Iterator[tuple[datetime, datetime]]:
    """Naive wall-clock (start, end) of every interval that starts on a day first..last."""
    day = first
    while day <= last:
        if not hours.is_holiday(day):
            for start, end in hours.week[day.weekday()]:
                begin = datetime.combine(day, time()) + timedelta(minutes=start)
                finish = datetime.combine(day + DAY if end <= start else day, time()) + timedelta(minutes=end)
                yield begin, finish
        day += DAY


def working_periods(hours: WorkingHours, lo: datetime, hi: datetime) -> list[tuple[datetime, datetime]]:
    """The working time within [lo, hi) as sorted, disjoint UTC (start, end) periods."""
    lo, hi = lo.astimezone(UTC), hi.astimezone(UTC)
    if lo >= hi:
        return []
    # Yesterday's interval may cross midnight; a day more on each side because wall-clock dates
    # can step back where clocks go back across midnight. Extra intervals are clipped below.
    first = lo.astimezone(hours.zone).date() - 2 * DAY
    last = hi.astimezone(hours.zone).date() + DAY
    pieces: list[tuple[datetime, datetime]] = []
    # Wall-clock times are at most 14 hours from UTC (and 26 in theory): look wide enough.
    segments = _offset_segments(lo - timedelta(hours=27), hi + timedelta(hours=27), hours.zone)
    for begin, finish in _wall_intervals(hours, first, last):
        for seg_start, seg_end, offset in segments:
            # Within a segment, wall time = UTC + offset: the interval's preimage is a shift.
            start = max((begin - offset).replace(tzinfo=UTC), seg_start, lo)
            end = min((finish - offset).replace(tzinfo=UTC), seg_end, hi)
            if start < end:
                pieces.append((start, end))
    pieces.sort()
    merged: list[tuple[datetime, datetime]] = []
    for start, end in pieces:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def working_time_between(start: datetime, end: datetime, hours: WorkingHours | None) -> timedelta:
    """How much working time lies in [start, end) (negative when end is before start)."""
    if end < start:
        return -working_time_between(end, start, hours)
    if hours is None:
        return end - start
    return sum((b - a for a, b in working_periods(hours, start, end)), timedelta(0))


def add_working_time(start: datetime, span: timedelta, hours: WorkingHours | None) -> datetime:
    """The instant at which ``span`` of working time has passed since ``start`` (in UTC).

    ``start`` in off hours: the count begins with the next working period. A span that ends
    exactly where a period ends gives that end (Friday 17:00, not Monday 08:00).
    """
    if start.tzinfo is None:
        raise ValueError("start must be an aware datetime")
    start = start.astimezone(UTC)
    if hours is None:
        return start + span
    if span < timedelta(0):
        raise ValueError("span must not be negative")
    if span == timedelta(0):
        return start
    if not hours.has_hours:
        raise NoWorkingTime(hours)
    remaining = span
    window_start = start
    step = timedelta(days=14)
    while window_start - start < SEARCH_LIMIT:
        for a, b in working_periods(hours, window_start, window_start + step):
            if b - a >= remaining:
                return a + remaining
            remaining -= b - a
        window_start += step
    raise NoWorkingTime(hours)


def is_working(instant: datetime, hours: WorkingHours | None) -> bool:
    """Whether ``instant`` is working time: its wall-clock time lies in an interval of the day
    it falls on, or in the part after midnight of the day before's (the docstring's rule).

    Looks at those two days only, so the clock (off-shift time-outs, the directory) can ask it
    for every ticket of a batch cheaply.
    """
    if hours is None:
        return True
    wall = instant.astimezone(hours.zone).replace(tzinfo=None)
    today = wall.date()
    for day in (today, today - DAY):
        if hours.is_holiday(day):
            continue
        midnight = datetime.combine(day, time())
        for start, end in hours.week[day.weekday()]:
            begin = midnight + timedelta(minutes=start)
            finish = midnight + timedelta(days=1 if end <= start else 0, minutes=end)
            if begin <= wall < finish:
                return True
    return False


def next_working_start(instant: datetime, hours: WorkingHours | None) -> datetime:
    """``instant`` itself when it is working time, else when the next working period begins."""
    if hours is None:
        return instant
    return add_working_time(instant, timedelta(microseconds=1), hours) - timedelta(microseconds=1)
