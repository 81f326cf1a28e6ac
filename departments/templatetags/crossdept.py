"""Template helpers for the directory, referrals and bulletins screens."""

from datetime import timedelta

from django import template

from core.display import hours
from departments.permissions import can_edit_bulletin

register = template.Library()


@register.filter
def hours_of(duration: timedelta | None) -> str:
    """A duration in hours, as the timeline says it: "4", "0.5", "20"."""
    return hours(duration)


@register.filter
def may_edit_bulletin(user, bulletin) -> bool:
    return can_edit_bulletin(user, bulletin)
