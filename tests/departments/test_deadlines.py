from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from departments.deadlines import due_at

BUCHAREST = ZoneInfo("Europe/Bucharest")


def test_deadline_is_entry_plus_the_tiers_time():
    entered = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

    assert due_at(entered, timedelta(hours=20)) == datetime(2026, 11, 3, 5, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "entered_local",
    [
        datetime(2026, 10, 24, 18, 0, tzinfo=BUCHAREST),  # the night the clocks go back
        datetime(2027, 3, 27, 18, 0, tzinfo=BUCHAREST),  # the night the clocks go forward
    ],
)
def test_twenty_hours_are_twenty_real_hours_across_daylight_saving(entered_local):
    due = due_at(entered_local, timedelta(hours=20))

    assert due - entered_local == timedelta(hours=20)
    assert due.tzinfo == UTC
    # On the local wall clock that is 19 or 21 hours: the rule follows real time.
    wall = due.astimezone(BUCHAREST).replace(tzinfo=None) - entered_local.replace(tzinfo=None)
    assert wall in (timedelta(hours=19), timedelta(hours=21))


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        due_at(datetime(2026, 11, 2, 9, 0), timedelta(hours=20))
