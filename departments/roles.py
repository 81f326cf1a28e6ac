"""Who is who: managers and tier members.

Managers are superusers or members of the ``managers`` group: they read everything and may
make any move. Everyone else acts through their memberships.
"""

from django.contrib.auth.models import Group

MANAGERS_GROUP = "managers"


def is_manager(user) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_tierdesk_is_manager", None)
    if cached is None:
        cached = user.groups.filter(name=MANAGERS_GROUP).exists()
        user._tierdesk_is_manager = cached
    return cached


def managers_group() -> Group:
    group, _ = Group.objects.get_or_create(name=MANAGERS_GROUP)
    return group
