"""Holidays read from iCalendar files."""

from datetime import date

import pytest

from departments.ics import MAX_BYTES, ImportedHoliday, read_holidays


def ics(*events: str) -> bytes:
    body = "".join(f"BEGIN:VEVENT\r\nUID:{n}\r\n{event}END:VEVENT\r\n" for n, event in enumerate(events))
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//test//EN\r\n{body}END:VCALENDAR\r\n".encode()


def test_an_all_day_event_is_one_holiday_with_its_summary_as_name():
    assert read_holidays(ics("DTSTART;VALUE=DATE:20260501\r\nSUMMARY:Labour Day\r\n")) == [
        ImportedHoliday(date(2026, 5, 1), False, "Labour Day")
    ]


def test_a_yearly_event_is_the_same_day_every_year():
    assert read_holidays(ics("DTSTART;VALUE=DATE:20201225\r\nRRULE:FREQ=YEARLY\r\nSUMMARY:Christmas\r\n")) == [
        ImportedHoliday(date(2020, 12, 25), True, "Christmas")
    ]


def test_a_multi_day_event_is_each_of_its_days_and_dtend_is_exclusive():
    found = read_holidays(ics("DTSTART;VALUE=DATE:20261224\r\nDTEND;VALUE=DATE:20261227\r\nSUMMARY:Break\r\n"))

    assert [h.date for h in found] == [date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 26)]
    assert {h.name for h in found} == {"Break"}


def test_events_with_a_time_of_day_are_not_holidays():
    assert read_holidays(ics("DTSTART:20260501T090000Z\r\nDTEND:20260501T100000Z\r\nSUMMARY:Meeting\r\n")) == []


def test_a_weekly_rule_is_read_as_its_first_date_only():
    found = read_holidays(ics("DTSTART;VALUE=DATE:20260105\r\nRRULE:FREQ=WEEKLY\r\nSUMMARY:Mondays\r\n"))

    assert found == [ImportedHoliday(date(2026, 1, 5), False, "Mondays")]


def test_the_same_date_twice_is_one_holiday_and_text_is_accepted():
    text = ics("DTSTART;VALUE=DATE:20260501\r\nSUMMARY:A\r\n", "DTSTART;VALUE=DATE:20260501\r\nSUMMARY:A\r\n").decode()

    assert len(read_holidays(text)) == 1


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"   ",
        b"hello world",
        b"BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20260501\r\nEND:VEVENT\r\n",
        b"\xff\xfe\x00garbage",
        ics("DTSTART;VALUE=DATE:2026-xx\r\n"),
        ics("DTSTART;VALUE=DATE:20260101\r\nDTEND;VALUE=DATE:20270101\r\n"),
        b"x" * (MAX_BYTES + 1),
    ],
)
def test_a_bad_file_is_a_value_error_with_a_message(content):
    with pytest.raises(ValueError) as raised:
        read_holidays(content)

    assert str(raised.value)
