"""Calendar months in the organisation's time zone, as UTC instants for the queries."""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format

_MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")


def organisation_zone() -> ZoneInfo:
    return ZoneInfo(getattr(settings, "TIERDESK_TIME_ZONE", "Europe/Bucharest"))


@dataclass(frozen=True)
class Month:
    """One calendar month: local midnight of its first day up to that of the next month.

    ``start`` and ``end`` are UTC instants; a month that contains a daylight-saving change
    is simply an hour longer or shorter than its days times 24.
    """

    year: int
    month: int

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def __str__(self):
        return self.key

    @property
    def label(self) -> str:
        return date_format(self.first_day, "F Y")

    def next(self) -> "Month":
        return Month(self.year + (self.month == 12), self.month % 12 + 1)

    def previous(self) -> "Month":
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    @property
    def start(self) -> datetime:
        return local_midnight(self.first_day)

    @property
    def end(self) -> datetime:
        return self.next().start

    def days(self) -> list[date]:
        last = (self.next().first_day - timedelta(days=1)).day
        return [date(self.year, self.month, d) for d in range(1, last + 1)]

    def day_ends(self) -> list[datetime]:
        """The UTC instant at which each local day of the month ends."""
        return [local_midnight(day + timedelta(days=1)) for day in self.days()]


def local_midnight(day: date) -> datetime:
    """Return the UTC instant of midnight at the start of ``day`` in the organisation's zone."""
    return datetime(day.year, day.month, day.day, tzinfo=organisation_zone()).astimezone(UTC)


def parse_month(value: str) -> Month | None:
    """Read "2026-10" (or "2026-1"); None for anything else or an absurd year."""
    match = _MONTH_RE.match((value or "").strip())
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (1 <= month <= 12 and 2000 <= year <= 2999):
        return None
    return Month(year, month)


def month_containing(instant: datetime) -> Month:
    local = instant.astimezone(organisation_zone())
    return Month(local.year, local.month)


def last_full_month(now: datetime | None = None) -> Month:
    """The month before the one that contains ``now`` (the dashboard's and the email's default)."""
    return month_containing(now or timezone.now()).previous()


def recent_months(now: datetime | None = None, count: int = 24) -> list[Month]:
    """The current month and the ``count - 1`` before it, newest first (the month picker)."""
    months = [month_containing(now or timezone.now())]
    while len(months) < count:
        months.append(months[-1].previous())
    return months
