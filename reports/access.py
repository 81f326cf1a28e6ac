"""Who may read which monthly figures: managers all, tier leads their own departments."""

from django.core.exceptions import PermissionDenied

from departments.models import Department
from departments.queries import memberships_of
from departments.roles import is_manager


def report_scope(user) -> tuple[list[Department], bool]:
    """Return the departments ``user`` may report on and whether they may see them all at once.

    Raises PermissionDenied for everyone else (agents see no one's figures but their own
    tickets, which the agent screens show).
    """
    if is_manager(user):
        return list(Department.objects.order_by("name")), True
    led = {m.department_id: m.department for m in memberships_of(user) if m.is_lead}
    if not led:
        raise PermissionDenied
    return sorted(led.values(), key=lambda d: d.name), False


def refuse_other_departments(slug: str | None, allowed: list[Department]) -> None:
    """Raise PermissionDenied when ``slug`` names a real department outside ``allowed``.

    An unknown slug is left to the form (a 400 naming the field); a known one the user may
    not read is a 403, so a lead learns they asked for something out of their reach.
    """
    if (
        slug
        and slug not in {d.slug for d in allowed}
        and Department.objects.filter(slug=slug).exists()
    ):
        raise PermissionDenied
