"""Whose shift it was: the working-time rule in force when a clock starts or runs out.

The ledger stores two facts of the working time with its entries (docs/working-time.md,
"Shifts"): ``working_hours``, a short, stable description of the department's calendar in
force (``Calendar.describe``; None for 24/7), on the sweep's entries and on every entry that
starts a tier's clock; and ``off_shift`` on a time-out charged to someone: whether that
person was off duty at the instant the time ran out. Off duty means their shifts (their
membership's calendar in that department, else the department's calendar) say the instant
is not working time; a 24/7 department or person is never off duty.
"""

from collections.abc import Iterable
from datetime import datetime

from departments.calendars import WorkingHours, is_working
from departments.models import Membership
from departments.queries import working_hours_by_department


def department_calendars(ids: Iterable[int]) -> dict[int, tuple[WorkingHours, str | None]]:
    """{department id: (its working hours, the rule the ledger records)} for those with a
    calendar (``departments.queries.working_hours_by_department``); absent: 24/7."""
    return {pk: (hours, hours.rule) for pk, hours in working_hours_by_department(ids).items()}


def rule_of(hours: WorkingHours | None) -> str | None:
    """The ``working_hours`` fact of an entry that starts a clock counted in ``hours``."""
    return hours.rule if hours is not None else None


def personal_shifts(pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], WorkingHours]:
    """{(user id, department id): their shifts} for the members among ``pairs`` with a calendar
    of their own. One query, and one more for the holidays when there is any."""
    pairs = set(pairs)
    if not pairs:
        return {}
    memberships = (
        Membership.objects.filter(
            user_id__in={u for u, _d in pairs},
            department_id__in={d for _u, d in pairs},
            calendar__isnull=False,
        )
        .select_related("calendar")
        .prefetch_related("calendar__holidays")
    )
    return {
        (m.user_id, m.department_id): m.calendar.working_hours()
        for m in memberships
        if (m.user_id, m.department_id) in pairs and m.calendar is not None
    }


def was_off_shift(instant: datetime, shifts: WorkingHours | None) -> bool:
    """Whether someone whose working time is ``shifts`` (None: 24/7) was off duty at ``instant``."""
    return shifts is not None and shifts.has_hours and not is_working(instant, shifts)
