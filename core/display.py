"""How people, durations and dates read on every screen and in every email: one policy.

Durations read the way agents say them (``span``: "2 h", "3 h 12 min", "1 d 4 h", "5 min",
"under a minute"), on the ticket page, in countdowns and on the dashboard alike.
Dates and times are shown on the reader's clock: the zone they chose in their preferences,
else the organisation's (``TIERDESK_TIME_ZONE``); emails always on the organisation's. There
are three formats per language, defined once in
``config/formats/<language>/formats.py``: ``DATE_FORMAT`` ("2 Dec 2026", "2. 12. 2026.",
"02/12/2026", "02.12.2026"), ``DATETIME_FORMAT`` (the date with ", 14:05") and
``TIME_FORMAT`` ("14:05"). Numbers use the language's decimal separator (``number``).
Templates use the same policy through ``{% load display %}`` (``when``, ``day``, ``clock``,
``span``, ``number`` and ``person``).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

# The names of the active language's formats (config/formats/<language>/formats.py).
DATE = "DATE_FORMAT"
DATETIME = "DATETIME_FORMAT"
TIME = "TIME_FORMAT"


# The zone of the person reading a page, when they chose one (config.middleware sets it for
# the request); None: the organisation's. Emails always use the organisation's.
_viewer_zone: ContextVar[ZoneInfo | None] = ContextVar("viewer_zone", default=None)


def organisation_zone() -> ZoneInfo:
    """The organisation's zone: emails, and pages of people who chose no zone of their own."""
    return ZoneInfo(settings.TIERDESK_TIME_ZONE)


def viewer_zone() -> ZoneInfo:
    return _viewer_zone.get() or organisation_zone()


@contextmanager
def shown_in(zone: ZoneInfo | None) -> Iterator[None]:
    """Show dates and times in ``zone`` (None: the organisation's) inside the block."""
    token = _viewer_zone.set(zone)
    try:
        yield
    finally:
        _viewer_zone.reset(token)


def local(instant: datetime) -> datetime:
    """An aware instant on the reader's clock (a naive one raises ValueError)."""
    return timezone.localtime(instant, viewer_zone())


def when(instant: datetime | None) -> str:
    """A date and time: "2 Dec 2026, 14:05" on the organisation's clock ("" for None)."""
    if instant is None:
        return ""
    return _formatted(instant, viewer_zone(), DATETIME, get_language())


@lru_cache(maxsize=8192)
def _formatted(instant: datetime, zone: ZoneInfo, format_name: str, language: str) -> str:
    """``date_format`` of the instant on that clock, in that (the active) language.

    Kept because the same deadlines are shown again and again, on every agent's queue,
    and formatting one cost more than the rest of its row. The answer depends on nothing
    but the arguments: each language's formats are fixed (config/formats/).
    """
    return date_format(timezone.localtime(instant, zone), format_name)


def day(value: date | datetime | None) -> str:
    """A calendar day: "2 Dec 2026". An instant is first put on the organisation's clock."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value)
    return date_format(value, DATE)


def clock(instant: datetime | None) -> str:
    """A time of day: "14:05" on the organisation's clock ("" for None)."""
    if instant is None:
        return ""
    return date_format(local(instant), TIME)


def number(value: float | int | None, decimals: int | None = None) -> str:
    """A number with the active language's decimal separator: "3.5" in English, "3,5" in Croatian."""
    if value is None:
        return ""
    if decimals is None and isinstance(value, float) and value.is_integer():
        value = int(value)
    return number_format(value, decimals)


def percent(share: float | None, decimals: int = 1) -> str:
    """A 0-1 share as a percentage ("12.5%", "12,5 %"), or a dash when undefined."""
    if share is None:
        return "\u2013"
    return pgettext("a percentage", "%(value)s%%") % {"value": number(share * 100, decimals)}


def deadline(instant: datetime | None, now: datetime | None = None) -> str:
    """When something is due, as a desk says it: "Mon 09:10" within the coming week, else the
    date and time. The weekday is the language's own abbreviation."""
    if instant is None:
        return ""
    now = now or timezone.now()
    if timedelta(0) <= instant - now < timedelta(days=6):
        return date_format(local(instant), "D H:i")
    return when(instant)


def hours(duration: timedelta | None) -> str:
    """A number of hours: "20", "1.5" ("1,5" in Croatian and Romanian)."""
    if duration is None:
        return "?"
    value = duration.total_seconds() / 3600
    return number(int(value)) if value == int(value) else number(round(value, 1), 1)


def span(duration: timedelta) -> str:
    """A length of time the way agents say it: "2 h", "3 h 12 min", "1 d 4 h", "5 min"."""
    minutes = int(abs(duration).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    whole_hours, mins = divmod(rest, 60)
    if days:
        if whole_hours:
            return _("%(d)d d %(h)d h") % {"d": days, "h": whole_hours}
        return _("%(d)d d") % {"d": days}
    if whole_hours:
        if mins:
            return _("%(h)d h %(m)d min") % {"h": whole_hours, "m": mins}
        return _("%(h)d h") % {"h": whole_hours}
    if mins:
        return _("%(m)d min") % {"m": mins}
    return _("under a minute")


def person(user: Any) -> str:
    """The name we show for a user: the full name when there is one, else the username."""
    if user is None:
        return _("nobody")
    return str(user.get_full_name() or user.username)
