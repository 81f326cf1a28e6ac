"""The weekly digest of bulletins: which week, and what it says. Sending is the caller's job."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from departments.models import DigestRun
from departments.queries import bulletins_posted_between, digest_recipients
from outbox.actions import queue_email


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


def send_weekly_digest(*, now=None, sent_by=None, scheduled: bool = True) -> DigestRun | None:
    """Queue last week's digest to every subscribed member of staff.

    The scheduled run happens once per week even if beat fires twice (a unique row per
    week); a manager's "send now" (``scheduled=False``) always sends.
    Returns the run, or None when the scheduled digest for that week went out already.
    """
    now = now or timezone.now()
    week = previous_week(now)
    subject, body, count = compose(week)
    recipients = list(digest_recipients().values_list("email", flat=True))
    try:
        with transaction.atomic():
            run = DigestRun.objects.create(
                week_start=week.start, sent_at=now, sent_by=sent_by, scheduled=scheduled,
                recipients=len(recipients), bulletins=count,
            )
            # One message per person: nobody sees the others' addresses.
            for email in recipients:
                queue_email("weekly_digest", [email], subject, body)
    except IntegrityError:
        return None
    return run
