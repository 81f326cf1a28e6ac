"""The weekly digest of bulletins: which week, and what it says. Sending is the caller's job."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from departments.mail import languages_of_addresses
from departments.models import BulletinKind, DigestRun
from departments.queries import bulletins_posted_between, digest_recipients
from outbox.actions import queue_email
from outbox.rendering import render_email


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


def digest_context(week: Week) -> tuple[dict, int]:
    """The digest's template context and its number of bulletins (words still to render)."""
    bulletins = list(bulletins_posted_between(week.starts_at, week.ends_at))
    departments: list[dict] = []
    for bulletin in bulletins:
        if not departments or departments[-1]["id"] != bulletin.department_id:
            departments.append({"id": bulletin.department_id, "name": bulletin.department.name, "bulletins": []})
        departments[-1]["bulletins"].append(
            {
                # The label itself (lazy), so each recipient reads it in their language.
                "kind": BulletinKind(bulletin.kind).label,
                "title": bulletin.title,
                "pinned": bulletin.pinned,
                "expires_at": bulletin.expires_at,
                "lines": bulletin.body.strip().splitlines(),
            }
        )
    return {"week_start": week.start, "departments": departments}, len(bulletins)


def send_weekly_digest(*, now=None, sent_by=None, scheduled: bool = True) -> DigestRun | None:
    """Queue last week's digest to every subscribed member of staff.

    The scheduled run happens once per week even if beat fires twice (a unique row per
    week); a manager's "send now" (``scheduled=False``) always sends.
    Returns the run, or None when the scheduled digest for that week went out already.
    """
    now = now or timezone.now()
    week = previous_week(now)
    context, count = digest_context(week)
    recipients = list(digest_recipients().values_list("email", flat=True))
    spoken = languages_of_addresses(recipients)
    try:
        with transaction.atomic():
            run = DigestRun.objects.create(
                week_start=week.start, sent_at=now, sent_by=sent_by, scheduled=scheduled,
                recipients=len(recipients), bulletins=count,
            )
            # One message per person, in their language: nobody sees the others' addresses.
            rendered = {
                language: render_email("weekly_digest", context, language=language)
                for language in sorted(set(spoken.values()))
            }
            for email in filter(None, recipients):
                subject, body = rendered[spoken[email]]
                queue_email("weekly_digest", [email], subject, body)
    except IntegrityError:
        return None
    return run
