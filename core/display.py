"""How people, durations and dates read on every screen and in every email: one policy.

Durations read the way agents say them (``span``: "2 h", "3 h 12 min", "1 d 4 h", "5 min",
"under a minute"), on the ticket page, in countdowns and on the dashboard alike.
Dates and times are always shown on the organisation's clock (``TIERDESK_TIME_ZONE``),
whatever zone is active, in three formats: ``DATE`` ("2 Dec 2026"), ``DATETIME``
("2 Dec 2026, 14:05") and ``TIME`` ("14:05"). Templates use the same policy through
``{% load display %}`` (the ``when``, ``day`` and ``person`` filters).
"""

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

# Django date-format strings (https://docs.djangoproject.com/en/stable/ref/templates/builtins/#date).
DATE = "j M Y"
DATETIME = "j M Y, H:i"
TIME = "H:i"


def organisation_zone() -> ZoneInfo:
    """The zone every date and time is shown in: there is no per-user zone."""
    return ZoneInfo(settings.TIERDESK_TIME_ZONE)


def local(instant: datetime) -> datetime:
    """An aware instant on the organisation's clock (a naive one raises ValueError)."""
    return timezone.localtime(instant, organisation_zone())


def when(instant: datetime | None) -> str:
    """A date and time: "2 Dec 2026, 14:05" on the organisation's clock ("" for None)."""
    if instant is None:
        return ""
    return date_format(local(instant), DATETIME)


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


def hours(duration: timedelta | None) -> str:
    if duration is None:
        return "?"
    value = duration.total_seconds() / 3600
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


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
