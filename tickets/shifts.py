"""Whose shift it was: the working-time rule in force when a clock starts or runs out.

The ledger stores two facts of the working time with its entries (docs/working-time.md,
"Shifts"): ``working_hours``, a short, stable description of the department's calendar in
force (``describe_calendar``; None for 24/7), on the sweep's entries and on every entry that
starts a tier's clock; and ``off_shift`` on a time-out charged to someone: whether that
person was off duty at the instant the time ran out. Off duty means their shifts (their
membership's calendar in that department, else the department's calendar) say the instant
is not working time; a 24/7 department or person is never off duty.
"""

import hashlib
from collections.abc import Iterable
from datetime import datetime

from departments.calendars import WEEKDAYS, WorkingHours, is_working
from departments.models import Calendar, Department, Membership
from tickets.models import HandoffKind

# The entries that start a tier's clock (the sweep's escalations write theirs themselves).
CLOCK_STARTS = frozenset({HandoffKind.OPENED, HandoffKind.PASSED, HandoffKind.TRANSFERRED, HandoffKind.RESUMED})


def describe_calendar(calendar: Calendar) -> str:
    """Describe a calendar: "Office hours | Europe/Zagreb | mon 08:00-12:00, 13:00-17:00; ... | holidays 2:1a2b3c4d5e6f".

    The week in its normalised form, one entry per weekday, and the holidays as their count
    and the first 12 hex digits of the SHA-256 of their sorted dates (``*`` before a yearly
    one's month and day): stable for the same calendar, different when anything changes.
    Prefetch ``holidays`` to avoid a query.
    """
    intervals = calendar.intervals()
    week = "; ".join(f"{day[:3]} {intervals[day] or '-'}" for day in WEEKDAYS)
    dates = sorted(
        f"*{h.date:%m-%d}" if h.yearly else h.date.isoformat() for h in calendar.holidays.all()
    )
    digest = hashlib.sha256(",".join(dates).encode("utf-8")).hexdigest()[:12]
    return f"{calendar.name} | {calendar.time_zone} | {week} | holidays {len(dates)}:{digest}"


def department_calendars(ids: Iterable[int]) -> dict[int, tuple[WorkingHours, str]]:
    """{department id: (its working hours, their description)} for those with a calendar.

    One query, and one more for the holidays when a calendar is in use; a department
    absent from the answer works 24/7.
    """
    departments = (
        Department.objects.filter(pk__in=set(ids), calendar__isnull=False)
        .select_related("calendar")
        .prefetch_related("calendar__holidays")
    )
    return {
        d.pk: (d.calendar.working_hours(), describe_calendar(d.calendar))
        for d in departments
        if d.calendar is not None
    }


def working_hours_in_force(department_id: int) -> str | None:
    """The description of a department's calendar now (None: 24/7)."""
    rule = department_calendars([department_id]).get(department_id)
    return rule[1] if rule else None


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
