"""Working-hours calendars: their hours, their holidays, and which one a department uses.

Managers only (``departments.permissions.can_configure_calendars``). Each change writes one
``ConfigurationChange`` (``CALENDAR_CHANGED`` or ``DEPARTMENT_CALENDAR``) with the values
before and after, and, when deadlines may move, sends ``working_time_changed`` for the
departments concerned inside the same transaction: the tickets and referrals apps recompute
their open deadlines before it commits.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidInput, NotAllowed
from departments import permissions
from departments.actions.common import Values, _clean, _difference, _record
from departments.calendars import WEEKDAYS, parse_intervals
from departments.ics import read_holidays
from departments.models import (
    Calendar,
    ConfigurationChangeKind,
    Department,
    Holiday,
    Membership,
)
from departments.signals import working_time_changed

CALENDAR_FIELDS = ("name", "time_zone", *WEEKDAYS)


@dataclass(frozen=True)
class HolidayEntry:
    """A holiday to set: a date (only month and day count when ``yearly``) and a name."""

    date: date
    yearly: bool = False
    name: str = ""


def calendar_change_refusal() -> NotAllowed:
    return NotAllowed(_("Only managers can configure working hours."))


def _require_manager(by: User) -> None:
    if not permissions.can_configure_calendars(by):
        raise calendar_change_refusal()


def _calendar_values(calendar: Calendar) -> Values:
    return {field: getattr(calendar, field) for field in CALENDAR_FIELDS}


def _holiday_text(holiday: Holiday | HolidayEntry) -> str:
    if holiday.yearly:
        text = _("%(month)02d-%(day)02d every year") % {"month": holiday.date.month, "day": holiday.date.day}
    else:
        text = holiday.date.isoformat()
    return f"{text} {holiday.name}".strip()


def _holidays_value(calendar: Calendar) -> str:
    return "; ".join(_holiday_text(h) for h in calendar.holidays.order_by("date", "id"))


def _validate_calendar(calendar: Calendar) -> None:
    """The model's rules (time zone, intervals, unique name), then: some working time."""
    for field in ("name", "time_zone", *WEEKDAYS):
        value = getattr(calendar, field)
        if not isinstance(value, str):
            raise InvalidInput(_("Give a text."), field=field)
    calendar.name = calendar.name.strip()
    _clean(calendar)
    if not any(parse_intervals(getattr(calendar, day)) for day in WEEKDAYS):
        raise InvalidInput(
            _("Give working hours for at least one day of the week; a calendar without them would never end a deadline."),
            field="monday",
        )


def _departments_using(calendar_id: int) -> list[int]:
    return list(Department.objects.filter(calendar_id=calendar_id).values_list("pk", flat=True))


def _announce(department_ids: Iterable[int], now: datetime) -> None:
    ids = sorted(set(department_ids))
    if ids:
        working_time_changed.send(sender=Calendar, department_ids=ids, tier_ids=None, now=now)


def _lock_calendar(calendar: Calendar) -> Calendar:
    return Calendar.objects.select_for_update().get(pk=calendar.pk)


def do_create_calendar(
    *,
    by: User,
    name: str,
    time_zone: str,
    week: dict[str, str] | None = None,
    now: datetime | None = None,
) -> Calendar:
    """Create a calendar; ``week`` gives intervals per weekday ("08:00-16:00"), missing days are off."""
    _require_manager(by)
    week = dict(week or {})
    unknown = set(week) - set(WEEKDAYS)
    if unknown:
        raise InvalidInput(_("Name the days monday to sunday."), field=sorted(unknown)[0])
    calendar = Calendar(name=name, time_zone=time_zone, **{day: week.get(day, "") for day in WEEKDAYS})
    _validate_calendar(calendar)
    now = now or timezone.now()
    try:
        with transaction.atomic():
            calendar.save()
            _record(
                ConfigurationChangeKind.CALENDAR_CHANGED,
                by=by,
                now=now,
                department_id=None,
                object_id=calendar.pk,
                object_repr=str(calendar),
                new=_calendar_values(calendar),
            )
    except IntegrityError:
        # Two managers creating the same name at once: the second is told, not given a 500.
        raise InvalidInput(_("A calendar with this name exists already."), field="name") from None
    return calendar


def do_change_calendar(
    calendar: Calendar, *, by: User, now: datetime | None = None, **changes: str
) -> Calendar:
    """Change a calendar's name, time zone or any weekday's intervals (keyword per field).

    The open deadlines of the departments using it are recomputed in the same transaction.
    A call that changes nothing records nothing.
    """
    _require_manager(by)
    unknown = set(changes) - set(CALENDAR_FIELDS)
    if unknown:
        raise InvalidInput(_("This is not a calendar's field."), field=sorted(unknown)[0])
    now = now or timezone.now()
    try:
        with transaction.atomic():
            locked = _lock_calendar(calendar)
            before = _calendar_values(locked)
            for field, value in changes.items():
                setattr(locked, field, value)
            _validate_calendar(locked)
            old, new = _difference(before, _calendar_values(locked))
            if not new:
                return locked
            locked.save(update_fields=list(new))
            _record(
                ConfigurationChangeKind.CALENDAR_CHANGED,
                by=by,
                now=now,
                department_id=None,
                object_id=locked.pk,
                object_repr=str(locked),
                old=old,
                new=new,
            )
            if set(new) - {"name"}:
                _announce(_departments_using(locked.pk), now)
    except IntegrityError:
        raise InvalidInput(_("A calendar with this name exists already."), field="name") from None
    return locked


def _clean_entries(holidays: Iterable[HolidayEntry]) -> list[HolidayEntry]:
    """One entry per date (the first given wins), names trimmed to the model's length."""
    seen: dict[date, HolidayEntry] = {}
    for entry in holidays:
        if not isinstance(entry.date, date):
            raise InvalidInput(_("Give a date."), field="holidays")
        seen.setdefault(entry.date, HolidayEntry(entry.date, bool(entry.yearly), (entry.name or "").strip()[:120]))
    return list(seen.values())


def _write_holidays(
    locked: Calendar, *, by: User, now: datetime, before: str, replace: bool, entries: list[HolidayEntry]
) -> int:
    """Write the holidays (replacing or adding), record and announce; return how many were added."""
    existing = {h.date: h for h in locked.holidays.all()}
    if replace:
        wanted = {e.date: e for e in entries}
        gone = [h.pk for d, h in existing.items() if d not in wanted]
        Holiday.objects.filter(pk__in=gone).delete()
        for entry in entries:
            current = existing.get(entry.date)
            if current is not None and (current.yearly, current.name) != (entry.yearly, entry.name):
                current.yearly, current.name = entry.yearly, entry.name
                current.save(update_fields=["yearly", "name"])
    added = [
        Holiday(calendar=locked, date=e.date, yearly=e.yearly, name=e.name)
        for e in entries
        if e.date not in existing
    ]
    Holiday.objects.bulk_create(added)
    after = _holidays_value(locked)
    if after != before:
        _record(
            ConfigurationChangeKind.CALENDAR_CHANGED,
            by=by,
            now=now,
            department_id=None,
            object_id=locked.pk,
            object_repr=str(locked),
            old={"holidays": before},
            new={"holidays": after},
        )
        _announce(_departments_using(locked.pk), now)
    return len(added)


def do_set_holidays(
    calendar: Calendar, *, by: User, holidays: Iterable[HolidayEntry], now: datetime | None = None
) -> Calendar:
    """Make the calendar's holidays exactly ``holidays`` (one per date)."""
    _require_manager(by)
    entries = _clean_entries(holidays)
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_calendar(calendar)
        before = _holidays_value(locked)
        _write_holidays(locked, by=by, now=now, before=before, replace=True, entries=entries)
    return locked


def do_import_holidays(
    calendar: Calendar, ics: bytes | str, *, by: User, now: datetime | None = None
) -> int:
    """Add the holidays of an iCalendar file; dates the calendar has already keep theirs.

    Returns how many were added. A file that cannot be read is ``InvalidInput`` on ``file``.
    """
    _require_manager(by)
    try:
        imported = read_holidays(ics)
    except ValueError as error:
        raise InvalidInput(str(error), field="file") from None
    entries = _clean_entries(HolidayEntry(h.date, h.yearly, h.name) for h in imported)
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_calendar(calendar)
        before = _holidays_value(locked)
        return _write_holidays(locked, by=by, now=now, before=before, replace=False, entries=entries)


def do_set_department_calendar(
    department: Department, calendar: Calendar | None, *, by: User, now: datetime | None = None
) -> Department:
    """Choose the calendar whose working time the department's deadlines count (None: 24/7).

    The department's open deadlines are recomputed in the same transaction.
    """
    _require_manager(by)
    if calendar is not None and not isinstance(calendar, Calendar):
        raise InvalidInput(_("Choose a calendar."), field="calendar")
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            Department.objects.select_for_update(of=("self",))
            .select_related("calendar")
            .get(pk=department.pk)
        )
        previous = locked.calendar
        if (previous.pk if previous else None) == (calendar.pk if calendar else None):
            return locked
        locked.calendar = calendar
        locked.save(update_fields=["calendar"])
        _record(
            ConfigurationChangeKind.DEPARTMENT_CALENDAR,
            by=by,
            now=now,
            department_id=locked.pk,
            object_id=locked.pk,
            object_repr=locked.name,
            old={"calendar": str(previous) if previous else None},
            new={"calendar": str(calendar) if calendar else None},
        )
        _announce([locked.pk], now)
    return locked


def do_remove_calendar(calendar: Calendar, *, by: User, now: datetime | None = None) -> None:
    """Delete a calendar no department and no membership uses."""
    _require_manager(by)
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_calendar(calendar)
        if _departments_using(locked.pk) or Membership.objects.filter(calendar_id=locked.pk).exists():
            raise InvalidInput(
                _("%(calendar)s is in use: choose another calendar where it is used first.")
                % {"calendar": locked.name},
                field="calendar",
            )
        _record(
            ConfigurationChangeKind.CALENDAR_CHANGED,
            by=by,
            now=now,
            department_id=None,
            object_id=locked.pk,
            object_repr=str(locked),
            old={**_calendar_values(locked), "holidays": _holidays_value(locked)},
        )
        locked.delete()


def do_set_membership_calendar(
    membership: Membership, calendar: Calendar | None, *, by: User, now: datetime | None = None
) -> Membership:
    """Give a member their own shifts (None: the department's hours)."""
    _require_manager(by)
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            Membership.objects.select_for_update(of=("self",))
            .select_related("user", "department", "calendar")
            .get(pk=membership.pk)
        )
        previous = locked.calendar
        if (previous.pk if previous else None) == (calendar.pk if calendar else None):
            return locked
        locked.calendar = calendar
        locked.save(update_fields=["calendar"])
        _record(
            ConfigurationChangeKind.MEMBERSHIP_CHANGED,
            by=by,
            now=now,
            department_id=locked.department_id,
            object_id=locked.pk,
            object_repr=f"{locked.user.get_username()} · {locked.department.name}",
            old={"calendar": str(previous) if previous else None},
            new={"calendar": str(calendar) if calendar else None},
        )
    return locked
