"""Who may change a department's configuration, directory entries and news: pure predicates.

Shared by the agent screens and the API, so a button is shown exactly when the POST
behind it would be accepted. Managers may do everything; memberships are read from the
per-request cache in ``departments.queries.memberships_of``.
"""

from django.db.models import QuerySet

from core.typing import UserLike
from departments.models import Bulletin, Department
from departments.queries import memberships_of
from departments.roles import is_manager


def is_member_of_department(user: UserLike, department_id: int) -> bool:
    return any(m.department_id == department_id for m in memberships_of(user))


def is_lead_in_department(user: UserLike, department_id: int) -> bool:
    """A tier lead anywhere in the department's pyramid."""
    return any(m.department_id == department_id and m.is_lead for m in memberships_of(user))


def can_manage_contacts(user: UserLike, department: Department) -> bool:
    """Add, edit or remove the department's key contacts: its leads and managers."""
    return is_manager(user) or is_lead_in_department(user, department.pk)


def can_post_bulletin(user: UserLike, department: Department) -> bool:
    """Post news for a department: its members and managers."""
    return is_manager(user) or is_member_of_department(user, department.pk)


def can_edit_bulletin(user: UserLike, bulletin: Bulletin) -> bool:
    """Edit or expire a bulletin: its author, the department's leads and managers."""
    if not user.is_authenticated or not user.is_active:
        return False
    return (
        (bulletin.author_id is not None and bulletin.author_id == user.pk)
        or is_manager(user)
        or is_lead_in_department(user, bulletin.department_id)
    )


def departments_for_posting(user: UserLike) -> QuerySet[Department]:
    """The departments ``user`` may post news for (every one for a manager)."""
    if is_manager(user):
        return Department.objects.order_by("name")
    return Department.objects.filter(
        pk__in={m.department_id for m in memberships_of(user)}
    ).order_by("name")


def can_change_tier_time(user: UserLike) -> bool:
    """Set how long tickets may stay at a tier: managers, who configure the pyramids."""
    return is_manager(user)


def can_manage_memberships(user: UserLike) -> bool:
    """Seat people at tiers, move them, make them leads or remove them: managers."""
    return is_manager(user)


def can_configure_calendars(user: UserLike) -> bool:
    """Create and change working-hours calendars, their holidays, and choose a department's: managers."""
    return is_manager(user)


def can_read_configuration_changes(user: UserLike) -> bool:
    """Read the record of tier times, memberships and contacts changed: managers."""
    return is_manager(user)
