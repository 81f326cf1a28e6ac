"""Sending the weekly digest: composed by ``departments.digest``, delivered via the outbox."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from departments.digest import compose, previous_week
from departments.models import DigestRun
from departments.queries import digest_recipients
from tickets.outbox import queue_email


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
