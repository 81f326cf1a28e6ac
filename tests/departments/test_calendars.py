"""departments.calendars against an independent brute force, plus the behaviour in plain words.

The reference below knows nothing of the module's internals: it walks UTC minute by minute,
asks the standard library for the wall-clock time of each minute in the zone, and reads the
intervals straight from their text ("08:00-12:00"). Every calendar and every instant drawn
here is on whole minutes and every zone's offset is whole minutes, so a UTC minute is either
wholly working or wholly not, and the minute walk is exact to the second (and below).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from departments.calendars import (
    NoWorkingTime,
    WorkingHours,
    add_working_time,
    is_working,
    next_working_start,
    parse_intervals,
    working_periods,
    working_time_between,
)
from departments.deadlines import due_at

MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)
ZAGREB = ZoneInfo("Europe/Zagreb")
BUCHAREST = ZoneInfo("Europe/Bucharest")
KOLKATA = ZoneInfo("Asia/Kolkata")
WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Beirut changes at midnight (autumn: 00:00 back to 23:00 of the day before); Lord Howe
# changes by half an hour. Neither is needed by the brief, both stress the wall-clock rule.
ZONES = (
    "UTC",
    "Europe/Zagreb",
    "Europe/Bucharest",
    "Asia/Kolkata",
    "Asia/Beirut",
    "Australia/Lord_Howe",
)
# Nights when some of these zones change their clocks (2026).
CHANGES = (
    datetime(2026, 3, 29, tzinfo=UTC),  # Europe and Beirut forward
    datetime(2026, 10, 25, tzinfo=UTC),  # Europe and Beirut back
    datetime(2026, 4, 5, tzinfo=UTC),  # Lord Howe back
    datetime(2026, 10, 4, tzinfo=UTC),  # Lord Howe forward
)
WALK_DAYS = 16  # how far the brute force looks ahead of a start
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- The brute force -------------------------------------------------------------------


class Reference:
    """A calendar read straight from its text: the test's own idea of working time."""

    def __init__(self, zone: str, week: dict[str, str], holidays=(), yearly=()):
        self.zone = ZoneInfo(zone)
        self.holidays = set(holidays)
        self.yearly = set(yearly)
        # own[weekday][m]: minute m of that weekday is covered by an interval starting that day;
        # spill[weekday][m]: minute m of the NEXT day is covered by an interval starting that day.
        self.own = [bytearray(1440) for _ in range(7)]
        self.spill = [bytearray(1440) for _ in range(7)]
        for weekday, name in enumerate(WEEKDAY_NAMES):
            for part in week.get(name, "").split(","):
                if not part.strip():
                    continue
                first, second = part.strip().split("-")
                start = int(first[:2]) * 60 + int(first[3:])
                end = int(second[:2]) * 60 + int(second[3:])
                if end > start:
                    for m in range(start, end):
                        self.own[weekday][m] = 1
                else:  # crosses midnight: the rest of this day, then the next day up to `end`
                    for m in range(start, 1440):
                        self.own[weekday][m] = 1
                    for m in range(end):
                        self.spill[weekday][m] = 1

    def is_holiday(self, day: date) -> bool:
        return day in self.holidays or (day.month, day.day) in self.yearly

    def working_minute(self, t: datetime) -> bool:
        """Is the UTC minute starting at ``t`` working time?"""
        wall = t.astimezone(self.zone)
        day, m = wall.date(), wall.hour * 60 + wall.minute
        if not self.is_holiday(day) and self.own[day.weekday()][m]:
            return True
        yesterday = day - DAY
        return not self.is_holiday(yesterday) and bool(self.spill[yesterday.weekday()][m])

    def is_working(self, instant: datetime) -> bool:
        instant = instant.astimezone(UTC)
        return self.working_minute(instant.replace(second=0, microsecond=0))

    def pieces(self, lo: datetime, hi: datetime) -> list[tuple[datetime, datetime]]:
        """The working minutes of [lo, hi), clipped to it, in order (not merged)."""
        lo, hi = lo.astimezone(UTC), hi.astimezone(UTC)
        out = []
        t = lo.replace(second=0, microsecond=0)
        while t < hi:
            if self.working_minute(t):
                out.append((max(t, lo), min(t + MINUTE, hi)))
            t += MINUTE
        return out

    def between(self, lo: datetime, hi: datetime) -> timedelta:
        return sum((b - a for a, b in self.pieces(lo, hi)), timedelta(0))

    def hours(self) -> WorkingHours:
        """The same calendar as the module builds it (from the same text)."""
        week = tuple(parse_intervals(self.text[name]) for name in WEEKDAY_NAMES)
        return WorkingHours(self.zone, week, frozenset(self.holidays), frozenset(self.yearly))


def reference(zone, week, holidays=(), yearly=()) -> Reference:
    ref = Reference(zone, week, holidays, yearly)
    ref.text = {name: week.get(name, "") for name in WEEKDAY_NAMES}
    return ref


def merged(pieces):
    out: list[tuple[datetime, datetime]] = []
    for a, b in pieces:
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def first_reaching(pieces, start: datetime, span: timedelta) -> datetime | None:
    """The first instant at which the cumulative working time since ``start`` reaches ``span``."""
    if span == timedelta(0):
        return start
    done = timedelta(0)
    for a, b in pieces:
        if done + (b - a) >= span:
            return a + (span - done)
        done += b - a
    return None


# --- Strategies ------------------------------------------------------------------------


def hm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def interval_texts(draw):
    kind = draw(
        st.sampled_from(["any", "any", "any", "crossing", "whole", "to-midnight", "small-hours"])
    )
    if kind == "whole":
        return "00:00-24:00"
    if kind == "small-hours":  # boundaries where the clocks change (00:00-04:00)
        start = draw(st.integers(0, 240))
        return f"{hm(start)}-{hm(draw(st.integers(start + 1, 300)))}"
    start = draw(st.integers(0, 1439))
    if kind == "to-midnight":
        return f"{hm(start)}-24:00"
    end = draw(st.integers(0, start)) if kind == "crossing" else draw(st.integers(0, 1439))
    return f"{hm(start)}-{hm(end)}"


@st.composite
def calendars_and_starts(draw):
    zone = draw(st.sampled_from(ZONES))
    week = {name: ", ".join(draw(st.lists(interval_texts(), max_size=3))) for name in WEEKDAY_NAMES}
    if draw(st.booleans()):
        base = draw(st.sampled_from(CHANGES))
        start = base + draw(st.integers(-4 * 24 * 60, 2 * 24 * 60)) * MINUTE
    else:
        start = datetime(2024, 1, 1, tzinfo=UTC) + draw(st.integers(0, 5 * 366 * 24 * 60)) * MINUTE
    # Holidays where they matter: within the walk (or a day before it).
    near = st.integers(-2, WALK_DAYS).map(lambda n: start.date() + n * DAY)
    holidays = draw(st.lists(near, max_size=3))
    yearly = [(d.month, d.day) for d in draw(st.lists(near, max_size=2))]
    return reference(zone, week, holidays, yearly), start


# --- Properties ------------------------------------------------------------------------


@SETTINGS
@given(calendars_and_starts(), st.data())
def test_the_module_agrees_with_the_minute_by_minute_walk(case, data):
    ref, start = case
    hours = ref.hours()
    horizon = start + WALK_DAYS * DAY
    pieces = ref.pieces(start, horizon)

    # working_periods is exactly the brute force's working minutes, merged.
    assert working_periods(hours, start, horizon) == merged(pieces)

    # working_time_between for any end in the walk (and backwards, negative).
    end = start + data.draw(st.integers(0, WALK_DAYS * 24 * 60)) * MINUTE
    expected = sum((min(b, end) - a for a, b in pieces if a < end), timedelta(0))
    assert working_time_between(start, end, hours) == expected
    assert working_time_between(end, start, hours) == -expected

    # is_working at instants of the walk, and at their last second.
    for _ in range(5):
        at = start + data.draw(st.integers(0, WALK_DAYS * 24 * 60 - 1)) * MINUTE
        assert is_working(at, hours) == ref.is_working(at)
        assert is_working(at + timedelta(seconds=59), hours) == ref.is_working(at)

    # add_working_time: the first instant where the cumulative working time reaches the span.
    total = sum((b - a for a, b in pieces), timedelta(0))
    if total == timedelta(0):
        if not hours.has_hours:
            with pytest.raises(NoWorkingTime):
                add_working_time(start, MINUTE, hours)
        else:
            assert add_working_time(start, timedelta(seconds=1), hours) > horizon
        return
    limit = min(total, timedelta(hours=60))
    span = timedelta(seconds=data.draw(st.integers(0, int(limit.total_seconds()))))
    due = add_working_time(start, span, hours)
    assert due == first_reaching(pieces, start, span)
    assert due.tzinfo == UTC
    assert working_time_between(start, due, hours) == span
    # Ending exactly at the end of a period: due at that end, not when the next one begins.
    periods = merged(pieces)
    ends, done = [], timedelta(0)
    for (a, b), following in zip(pieces, [*pieces[1:], None], strict=True):
        done += b - a
        if (following is None or following[0] != b) and done <= timedelta(hours=60):
            ends.append(done)
    if ends:
        exact = data.draw(st.sampled_from(ends))
        assert add_working_time(start, exact, hours) == first_reaching(pieces, start, exact)
        assert add_working_time(start, exact, hours) in [end for _, end in periods]

    # next_working_start: start itself when working, else the first working minute.
    assert next_working_start(start, hours) == pieces[0][0]


@SETTINGS
@given(calendars_and_starts(), st.integers(0, 59), st.integers(0, 999_999), st.data())
def test_starts_and_ends_off_the_minute_are_exact(case, second, micro, data):
    ref, start = case
    hours = ref.hours()
    start = start + timedelta(seconds=second, microseconds=micro)
    end = start + data.draw(st.integers(0, 3 * 24 * 3600)) * timedelta(seconds=1)
    pieces = ref.pieces(start, end)
    assert working_time_between(start, end, hours) == sum((b - a for a, b in pieces), timedelta(0))
    assert is_working(start, hours) == ref.is_working(start)
    walk = ref.pieces(start, start + 4 * DAY)
    if walk:
        span = timedelta(seconds=data.draw(st.integers(1, 3600)))
        expected = first_reaching(walk, start, span)
        if expected is not None:
            assert add_working_time(start, span, hours) == expected


instants = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2060, 1, 1),
    timezones=st.sampled_from([UTC, ZAGREB, BUCHAREST, KOLKATA]),
)
spans = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=60))


@settings(max_examples=300, deadline=None)
@given(instants, spans)
def test_without_hours_it_is_plain_addition_in_utc(entered, resolve_within):
    due = add_working_time(entered, resolve_within, None)

    # In UTC: an aware datetime plus a timedelta in its own zone would be wall-clock addition.
    assert due == entered.astimezone(UTC) + resolve_within
    assert due - entered == resolve_within
    assert due.tzinfo == UTC
    assert due_at(entered, resolve_within) == due_at(entered, resolve_within, hours=None) == due
    assert due_at(entered, resolve_within).tzinfo == UTC
    assert working_time_between(entered, due, None) == resolve_within
    assert is_working(entered, None)
    assert next_working_start(entered, None) == entered


# --- Behaviour -------------------------------------------------------------------------

OFFICE = {day: "08:00-12:00, 13:00-17:00" for day in WEEKDAY_NAMES[:5]}


def local(zone, *args):
    return datetime(*args, tzinfo=zone)


def test_friday_afternoon_plus_twenty_hours_is_due_wednesday_at_eleven():
    hours = reference("Europe/Zagreb", OFFICE).hours()
    friday = local(ZAGREB, 2026, 11, 6, 16, 0)

    due = add_working_time(friday, timedelta(hours=20), hours)

    # Friday 1 h, Monday 8 h, Tuesday 8 h, Wednesday 08:00-11:00 3 h.
    assert due == local(ZAGREB, 2026, 11, 11, 11, 0)
    assert due_at(friday, timedelta(hours=20), hours) == due


def test_a_span_ending_with_the_day_is_due_at_its_end_not_the_next_morning():
    hours = reference("Europe/Zagreb", OFFICE).hours()

    due = add_working_time(local(ZAGREB, 2026, 11, 6, 16, 0), timedelta(hours=1), hours)

    assert due == local(ZAGREB, 2026, 11, 6, 17, 0)


@pytest.mark.parametrize("zone", [ZAGREB, BUCHAREST])
def test_the_night_clocks_go_forward_holds_seven_hours_and_the_night_they_go_back_nine(zone):
    nights = reference(zone.key, {"sunday": "00:00-08:00"}).hours()

    spring = working_time_between(local(zone, 2026, 3, 29), local(zone, 2026, 3, 30), nights)
    autumn = working_time_between(local(zone, 2026, 10, 25), local(zone, 2026, 10, 26), nights)
    ordinary = working_time_between(local(zone, 2026, 11, 1), local(zone, 2026, 11, 2), nights)

    assert (spring, autumn, ordinary) == (
        timedelta(hours=7),
        timedelta(hours=9),
        timedelta(hours=8),
    )
    # Eight working hours from the start of the spring night end on the following Sunday.
    assert add_working_time(local(zone, 2026, 3, 29), timedelta(hours=8), nights) == local(
        zone, 2026, 4, 5, 1, 0
    )


def test_kolkata_has_no_clock_changes_so_every_night_holds_eight_hours():
    nights = reference("Asia/Kolkata", {"sunday": "00:00-08:00"}).hours()

    for sunday in (date(2026, 3, 29), date(2026, 10, 25), date(2026, 11, 1)):
        midnight = local(KOLKATA, sunday.year, sunday.month, sunday.day)
        assert working_time_between(midnight, midnight + DAY, nights) == timedelta(hours=8)
        assert add_working_time(midnight, timedelta(hours=8), nights) == midnight + timedelta(
            hours=8
        )


def test_a_night_shift_crossing_midnight_belongs_to_the_day_it_starts():
    # Friday 22:00 to Saturday 06:00, nothing else.
    hours = reference("Europe/Zagreb", {"friday": "22:00-06:00"}).hours()

    assert is_working(local(ZAGREB, 2026, 11, 7, 5, 59), hours)  # Saturday morning
    assert not is_working(local(ZAGREB, 2026, 11, 7, 6, 0), hours)
    assert not is_working(local(ZAGREB, 2026, 11, 7, 23, 0), hours)  # Saturday night is off
    assert not is_working(local(ZAGREB, 2026, 11, 9, 1, 0), hours)  # Monday 01:00 is off
    due = add_working_time(local(ZAGREB, 2026, 11, 7, 12, 0), timedelta(hours=9), hours)
    # Saturday noon: nothing until Friday 22:00; 8 h that night, 1 h the next Friday.
    assert due == local(ZAGREB, 2026, 11, 20, 23, 0)


def test_a_holiday_monday_pushes_the_due_to_tuesday():
    friday = local(ZAGREB, 2026, 11, 6, 16, 0)
    plain = reference("Europe/Zagreb", OFFICE).hours()
    holiday = reference("Europe/Zagreb", OFFICE, holidays=[date(2026, 11, 9)]).hours()

    assert add_working_time(friday, timedelta(hours=5), plain) == local(ZAGREB, 2026, 11, 9, 12, 0)
    assert add_working_time(friday, timedelta(hours=5), holiday) == local(
        ZAGREB, 2026, 11, 10, 12, 0
    )


def test_a_holiday_removes_the_night_shift_that_starts_on_it_not_the_one_ending_on_it():
    hours = reference(
        "Europe/Zagreb",
        {"thursday": "22:00-06:00", "friday": "22:00-06:00"},
        holidays=[date(2026, 11, 6)],
    ).hours()

    assert is_working(local(ZAGREB, 2026, 11, 6, 5, 0), hours)  # Thursday's shift, on Friday
    assert not is_working(local(ZAGREB, 2026, 11, 6, 23, 0), hours)  # Friday's shift is off
    assert not is_working(local(ZAGREB, 2026, 11, 7, 5, 0), hours)


@pytest.mark.parametrize("year", [2025, 2026, 2031])
def test_a_yearly_holiday_applies_in_every_year(year):
    every_day = {day: "08:00-16:00" for day in WEEKDAY_NAMES}
    hours = reference("Europe/Zagreb", every_day, yearly=[(12, 25)]).hours()
    christmas_eve = local(ZAGREB, year, 12, 24, 15, 0)

    assert not is_working(local(ZAGREB, year, 12, 25, 10, 0), hours)
    assert add_working_time(christmas_eve, timedelta(hours=2), hours) == local(
        ZAGREB, year, 12, 26, 9, 0
    )


def test_a_referral_asked_after_hours_is_due_the_next_day_not_in_the_night():
    hours = reference("Europe/Zagreb", {day: "08:00-20:00" for day in WEEKDAY_NAMES}).hours()
    asked = local(ZAGREB, 2026, 11, 4, 21, 17)

    due = add_working_time(asked, timedelta(hours=4), hours)

    # Not 01:17 (four real hours): the count starts at 08:00 the next morning.
    assert due == local(ZAGREB, 2026, 11, 5, 12, 0)
    assert next_working_start(asked, hours) == local(ZAGREB, 2026, 11, 5, 8, 0)


def test_a_referral_asked_late_in_the_day_carries_the_rest_over_to_the_next():
    hours = reference("Europe/Zagreb", {day: "08:00-20:00" for day in WEEKDAY_NAMES}).hours()

    due = add_working_time(local(ZAGREB, 2026, 11, 4, 19, 17), timedelta(hours=4), hours)

    assert due == local(ZAGREB, 2026, 11, 5, 11, 17)  # 43 minutes today, 3 h 17 min tomorrow


def test_a_calendar_with_no_hours_has_no_due():
    hours = reference("Europe/Zagreb", {}).hours()

    with pytest.raises(NoWorkingTime):
        add_working_time(local(ZAGREB, 2026, 11, 4, 9, 0), timedelta(hours=1), hours)
    assert working_time_between(
        local(ZAGREB, 2026, 11, 4), local(ZAGREB, 2026, 12, 4), hours
    ) == timedelta(0)


def test_the_whole_day_is_twenty_four_hours():
    hours = reference("UTC", {"monday": "00:00-24:00"}).hours()
    monday = datetime(2026, 11, 2, tzinfo=UTC)

    assert working_time_between(monday - DAY, monday + 2 * DAY, hours) == timedelta(hours=24)
    assert add_working_time(monday, timedelta(hours=24), hours) == monday + DAY


@pytest.mark.parametrize(
    ("text", "intervals"),
    [
        ("", ()),
        ("08:00-12:00, 13:00-17:00", ((480, 720), (780, 1020))),
        ("13:00-17:00,08:00-12:00", ((480, 720), (780, 1020))),
        ("12:00-11:00", ((720, 660),)),  # crosses midnight
        ("22:00-06:00", ((1320, 360),)),
        ("00:00-24:00", ((0, 0),)),
        ("18:00-24:00", ((1080, 0),)),
        (" 8:05 - 9:10 ", ((485, 550),)),
    ],
)
def test_parse_intervals_reads_clock_times(text, intervals):
    assert parse_intervals(text) == intervals


@pytest.mark.parametrize(
    "text",
    [
        "25:00-26:00",
        "8-12",
        "08:00",
        "08:00-12:60",
        "24:00-08:00",
        "08:00-24:01",
        "08:00-12:00;13:00-14:00",
        "ab",
    ],
)
def test_parse_intervals_refuses_bad_text(text):
    with pytest.raises(ValueError):
        parse_intervals(text)
