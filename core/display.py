"""How people, durations and dates read on every screen and in every email: one policy."""

from datetime import timedelta

from django.utils.translation import gettext as _


def hours(duration: timedelta | None) -> str:
    if duration is None:
        return "?"
    value = duration.total_seconds() / 3600
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


def person(user) -> str:
    """The name we show for a user: the full name when there is one, else the username."""
    if user is None:
        return _("nobody")
    return user.get_full_name() or user.username
