"""Working-hours calendars: a time zone, the week's intervals and holidays.

The rules about instants live in ``departments.calendars`` (pure); these rows only store them.
A department with no calendar works 24/7 (the default); a membership's own calendar gives
that person's shifts, else the department's applies.
"""

import hashlib
import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from departments.calendars import WEEKDAYS, WorkingHours, format_intervals, parse_intervals


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("%(zone)s is not a time zone; give one such as Europe/Zagreb."), params={"zone": value}
        )


def validate_intervals(value: str) -> None:
    try:
        parse_intervals(value)
    except ValueError as exc:
        raise ValidationError(
            _("%(part)s is not an interval: write 08:00-12:00, 13:00-17:00 (22:00-06:00 crosses midnight)."),
            params={"part": str(exc)},
        ) from exc


def _day_field(label):
    return models.CharField(label, max_length=200, blank=True, validators=[validate_intervals])


class Calendar(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, validators=[validate_time_zone])
    monday = _day_field(_("Monday"))
    tuesday = _day_field(_("Tuesday"))
    wednesday = _day_field(_("Wednesday"))
    thursday = _day_field(_("Thursday"))
    friday = _day_field(_("Friday"))
    saturday = _day_field(_("Saturday"))
    sunday = _day_field(_("Sunday"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("working-hours calendar")
        verbose_name_plural = _("working-hours calendars")

    def __str__(self):
        return self.name

    def intervals(self) -> dict[str, str]:
        """{weekday: "08:00-12:00, 13:00-17:00"} in the stored form, normalised."""
        return {day: format_intervals(parse_intervals(getattr(self, day))) for day in WEEKDAYS}

    def working_hours(self) -> WorkingHours:
        """The pure form, with its ``describe()`` as the rule the ledger records; reads the
        holidays (prefetch ``holidays`` to avoid a query)."""
        holidays = list(self.holidays.all())
        return WorkingHours(
            zone=zoneinfo.ZoneInfo(self.time_zone),
            week=tuple(parse_intervals(getattr(self, day)) for day in WEEKDAYS),
            holidays=frozenset(h.date for h in holidays if not h.yearly),
            yearly=frozenset((h.date.month, h.date.day) for h in holidays if h.yearly),
            rule=self.describe(holidays),
        )

    def describe(self, holidays: "list[Holiday] | None" = None) -> str:
        """Describe the calendar: "Office hours | Europe/Zagreb | mon 08:00-12:00, 13:00-17:00; ... | holidays 2:1a2b3c4d5e6f".

        The week in its normalised form, one entry per weekday, and the holidays as their count
        and the first 12 hex digits of the SHA-256 of their sorted dates (``*`` before a yearly
        one's month and day): stable for the same calendar, different when anything changes.
        """
        intervals = self.intervals()
        week = "; ".join(f"{day[:3]} {intervals[day] or '-'}" for day in WEEKDAYS)
        dates = sorted(
            f"*{h.date:%m-%d}" if h.yearly else h.date.isoformat()
            for h in (self.holidays.all() if holidays is None else holidays)
        )
        digest = hashlib.sha256(",".join(dates).encode("utf-8")).hexdigest()[:12]
        return f"{self.name} | {self.time_zone} | {week} | holidays {len(dates)}:{digest}"


class Holiday(models.Model):
    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="holidays", verbose_name=_("calendar"))
    date = models.DateField(_("date"))
    yearly = models.BooleanField(_("every year"), default=False, help_text=_("The same day and month each year."))
    name = models.CharField(_("name"), max_length=120, blank=True)

    class Meta:
        ordering = ["calendar", "date"]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="holiday_once_per_date")]

    def __str__(self):
        return f"{self.name or self.date.isoformat()} ({self.calendar})"
