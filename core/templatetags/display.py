"""The display policy in templates: ``{% load display %}``, then ``|when``, ``|day``, ``|person``.

Each filter calls ``core.display``, so pages and emails read the same way, on the
organisation's clock whatever zone is active.
"""

from datetime import date, datetime
from typing import Any

from django import template

from core import display

register = template.Library()


@register.filter
def when(instant: datetime | None) -> str:
    """ "2 Dec 2026, 14:05" """
    return display.when(instant)


@register.filter
def day(value: date | datetime | None) -> str:
    """ "2 Dec 2026" """
    return display.day(value)


@register.filter
def person(user: Any) -> str:
    """The user's full name, else their username; "nobody" for None."""
    return display.person(user)


@register.filter
def clock(instant: datetime | None) -> str:
    """ "14:05" """
    return display.clock(instant)


@register.filter
def span(duration: Any) -> str:
    """ "3 h 10 min" """
    return display.span(duration) if duration is not None else ""


@register.filter
def number(value: Any, decimals: int | None = None) -> str:
    """ "3.5" / "3,5": the active language's decimal separator."""
    return display.number(value, decimals)
