"""A member of staff's own preferences."""



from core.errors import NotAllowed
from core.typing import UserLike
from departments.models import (
    StaffPreferences,
)


def do_change_preferences(*, by: UserLike, weekly_digest: bool) -> StaffPreferences:
    """Set ``by``'s own preferences (the row is created on first save); not the anonymous user's."""
    if not by.is_authenticated:
        raise NotAllowed()
    preferences, _created = StaffPreferences.objects.update_or_create(
        user=by, defaults={"weekly_digest": weekly_digest}
    )
    return preferences
