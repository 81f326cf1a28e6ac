"""Signing in puts the language and time zone a person chose earlier back on every page."""

from django.dispatch import Signal

from core import languages
from departments.models import StaffPreferences


def apply_chosen_language(sender, request, user, **kwargs) -> None:
    if request is None or not hasattr(request, "session"):
        return
    chosen = StaffPreferences.objects.filter(user_id=user.pk).values_list("language", "time_zone").first()
    language, zone = chosen or ("", "")
    if language:
        request.session[languages.SESSION_KEY] = language
    if zone:
        request.session[languages.VIEWER_ZONE_SESSION_KEY] = zone


# Sent inside the transaction of a change that moves working-time deadlines: a tier's time
# (``tier_ids``), a calendar's hours or holidays, or the calendar a department uses
# (``department_ids``), with ``now``. The apps above that keep deadlines (tickets, referrals)
# recompute theirs in the same transaction, so the change and its effect commit together.
working_time_changed = Signal()
