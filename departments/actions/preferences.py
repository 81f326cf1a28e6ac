"""A member of staff's own preferences: the weekly digest, their language and time zone."""

import zoneinfo

from django.utils.translation import gettext as _

from core import languages
from core.errors import InvalidInput, NotAllowed
from core.typing import UserLike
from departments.models import StaffPreferences


def _check_language(language: str) -> str:
    """"" (follow the browser) or one of the languages offered."""
    return "" if language == "" else languages.check(language, field="language")


def do_change_preferences(
    *, by: UserLike, weekly_digest: bool, language: str | None = None, time_zone: str | None = None
) -> StaffPreferences:
    """Set ``by``'s own preferences (the row is created on first save); not the anonymous user's.

    ``language`` / ``time_zone`` None leave them as they are; "" means "follow the browser" /
    "the organisation's zone".
    """
    if not by.is_authenticated:
        raise NotAllowed()
    defaults: dict[str, object] = {"weekly_digest": weekly_digest}
    if language is not None:
        defaults["language"] = _check_language(language)
    if time_zone is not None:
        if time_zone and time_zone not in zoneinfo.available_timezones():
            raise InvalidInput(
                _("%(zone)s is not a time zone; give one such as Europe/Zagreb.") % {"zone": time_zone},
                field="time_zone",
            )
        defaults["time_zone"] = time_zone
    preferences, _created = StaffPreferences.objects.update_or_create(user=by, defaults=defaults)
    return preferences


def do_choose_language(*, by: UserLike, language: str) -> StaffPreferences:
    """The header's language menu, for a signed-in user: remembered in their preferences."""
    if not by.is_authenticated:
        raise NotAllowed()
    preferences, _created = StaffPreferences.objects.update_or_create(
        user=by, defaults={"language": _check_language(language)}
    )
    return preferences

