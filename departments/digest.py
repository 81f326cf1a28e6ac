"""The weekly digest of bulletins: which week, and what it says. Sending is the caller's job."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _

from departments.queries import bulletins_posted_between


@dataclass(frozen=True)
class Week:
    start: date  # the Monday, in the organisation's zone
    starts_at: datetime
    ends_at: datetime


def previous_week(now: datetime) -> Week:
    """The calendar week (Monday to Sunday, organisation's zone) before the one containing ``now``."""
    zone = ZoneInfo(settings.TIERDESK_TIME_ZONE)
    today = now.astimezone(zone).date()
    this_monday = today - timedelta(days=today.weekday())
    monday = this_monday - timedelta(days=7)
    return Week(
        start=monday,
        starts_at=datetime.combine(monday, time.min, tzinfo=zone),
        ends_at=datetime.combine(this_monday, time.min, tzinfo=zone),
    )


def compose(week: Week) -> tuple[str, str, int]:
    """Return the digest's subject, plain-text body and number of bulletins."""
    bulletins = list(bulletins_posted_between(week.starts_at, week.ends_at))
    subject = _("Tierdesk: news from every department, week of %(d)s") % {"d": week.start.isoformat()}
    if not bulletins:
        return subject, _("No department posted news last week."), 0
    lines = []
    current = None
    for bulletin in bulletins:
        if bulletin.department_id != current:
            current = bulletin.department_id
            lines.append(f"\n== {bulletin.department.name} ==")
        pin = " [pinned]" if bulletin.pinned else ""
        until = ""
        if bulletin.expires_at:
            local = bulletin.expires_at.astimezone(ZoneInfo(settings.TIERDESK_TIME_ZONE))
            until = " " + _("(until %(d)s)") % {"d": local.strftime("%Y-%m-%d %H:%M")}
        lines.append(f"* {bulletin.get_kind_display()}: {bulletin.title}{pin}{until}")
        lines.extend("  " + line for line in bulletin.body.strip().splitlines())
    footer = _("You receive this because you work with Tierdesk. Turn it off on your preferences page.")
    return subject, "\n".join(lines).strip() + "\n\n-- \n" + footer, len(bulletins)
