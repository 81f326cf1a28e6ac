"""Holidays read from an iCalendar (.ics) file, as public-holiday calendars publish them.

Only all-day events count (``DTSTART;VALUE=DATE``): a one-day event is one date, an event
over several days is each of its dates, and one with ``RRULE:FREQ=YEARLY`` is the same
month and day every year. Events with a time of day are meetings, not holidays, and are
skipped. A file that is not iCalendar raises ``ValueError`` with a message for people.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils.translation import gettext as _

# A holiday that lasts longer than this is a mistake in the file, not a holiday.
MAX_DAYS = 31
MAX_BYTES = 1_000_000


@dataclass(frozen=True)
class ImportedHoliday:
    date: date
    yearly: bool
    name: str


def _text(value: object) -> str:
    return str(value or "").strip()[:120]


def _rule_is_yearly(event) -> bool:
    rule = event.get("RRULE")
    if rule is None:
        return False
    frequency = rule.get("FREQ") or []
    return [str(f).upper() for f in frequency] == ["YEARLY"]


def read_holidays(data: bytes | str) -> list[ImportedHoliday]:
    """The holidays in an iCalendar file, in date order, each date once.

    Raises ``ValueError`` (with a translated message) when the file cannot be read.
    """
    import icalendar  # imported here: only the import needs it

    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > MAX_BYTES:
        raise ValueError(_("The file is too large: an iCalendar file of holidays is under 1 MB."))
    if not data.strip():
        raise ValueError(_("The file is empty: choose an iCalendar (.ics) file."))
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except Exception as error:  # icalendar raises ValueError, KeyError, IndexError, ...
        raise ValueError(_("This is not an iCalendar (.ics) file: %(error)s") % {"error": error}) from None
    if getattr(calendar, "name", "") != "VCALENDAR":
        raise ValueError(_("This is not an iCalendar (.ics) file: it has no VCALENDAR."))
    try:
        found = {(h.date, h.yearly): h for h in _holidays(calendar)}
    except (ValueError, TypeError, AttributeError) as error:
        raise ValueError(_("The iCalendar file has an event that cannot be read: %(error)s") % {"error": error}) from None
    return sorted(found.values(), key=lambda h: (h.date, not h.yearly))


def _holidays(calendar) -> Iterator[ImportedHoliday]:
    for event in calendar.walk("VEVENT"):
        start_property = event.get("DTSTART")
        if start_property is None:
            continue
        start = start_property.dt
        # A datetime is a date too: test for it first. Events with a time are not holidays.
        if isinstance(start, datetime) or not isinstance(start, date):
            continue
        name = _text(event.get("SUMMARY"))
        if _rule_is_yearly(event):
            yield ImportedHoliday(start, True, name)
            continue
        end_property = event.get("DTEND")
        end = end_property.dt if end_property is not None else None
        if isinstance(end, datetime) or not isinstance(end, date) or end <= start:
            end = start + timedelta(days=1)  # DTEND is exclusive; absent means one day
        if end - start > timedelta(days=MAX_DAYS):
            raise ValueError(
                _("%(name)s lasts more than %(days)s days.") % {"name": name or start.isoformat(), "days": MAX_DAYS}
            )
        day = start
        while day < end:
            yield ImportedHoliday(day, False, name)
            day += timedelta(days=1)
