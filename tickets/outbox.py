"""The email outbox: rows written inside the transaction, delivered after it commits.

``queue_email`` is called inside an action's transaction. After commit each row is handed
to a Celery task; if the broker is unreachable the row simply waits, and the periodic
``drain`` delivers it once things are back. Delivery locks the row (SKIP LOCKED), so two
workers never send the same message. A failed send (mail server down) is retried by the
drain with a doubling delay, up to ``OUTBOX_MAX_ATTEMPTS``; the row then stays in the
table, with its last error, for someone to look at.
"""

import logging
from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from tickets.models import OutboundEmail

log = logging.getLogger(__name__)

# Used when settings.EMAIL_TIMEOUT is not set (seconds).
DEFAULT_SEND_TIMEOUT = 30
# The longest wait between two attempts at a failing email.
MAX_RETRY_DELAY = timedelta(hours=1)


# Set inside ``not_delivered()``: emails are recorded as sent and never handed to a worker.
_not_delivered: ContextVar[bool] = ContextVar("tierdesk_outbox_not_delivered", default=False)


@contextmanager
def not_delivered():
    """Record the emails queued inside the block as sent, without sending or dispatching them.

    For generated history (``manage.py simulate``): its people and customers are made up, so
    nothing may reach a mail server, and weeks of it must not pile up for the worker or the
    drain. The outbox still shows what would have gone out (``sent_at`` = ``created_at``).
    """
    token = _not_delivered.set(True)
    try:
        yield
    finally:
        _not_delivered.reset(token)


def queue_email(
    kind: str, recipients: Iterable[str], subject: str, body: str
) -> OutboundEmail | None:
    """Write one email to the outbox and hand it to a worker once the transaction commits."""
    recipients = sorted({r for r in recipients if r})
    if not recipients:
        return None
    email = OutboundEmail(kind=kind, recipients=recipients, subject=subject[:250], body=body)
    if _not_delivered.get():
        email.sent_at = email.created_at
        email.save(force_insert=True)
        return email
    email.save(force_insert=True)
    transaction.on_commit(lambda: dispatch([email.pk]))
    return email


def queue_emails(emails: list[OutboundEmail]) -> list[OutboundEmail]:
    """Write several prepared emails at once (the sweep's notifications)."""
    emails = [e for e in emails if e.recipients]
    if not emails:
        return []
    if _not_delivered.get():
        for email in emails:
            email.sent_at = email.created_at
        return OutboundEmail.objects.bulk_create(emails)
    created = OutboundEmail.objects.bulk_create(emails)
    ids = [e.pk for e in created]
    transaction.on_commit(lambda: dispatch(ids))
    return created


def dispatch(email_ids: list[int]) -> int:
    """Hand emails to the broker; return how many were handed over.

    Never raises: with the broker down the rows stay pending for ``drain``.
    """
    from tickets.tasks import deliver_email

    handed = 0
    for email_id in email_ids:
        try:
            deliver_email.delay(email_id)
        except Exception as exc:
            # The broker is down: every further publish would fail the same way, each
            # after a timeout. The rows wait for the drain.
            log.warning(
                "Broker unreachable; %d email(s) stay in the outbox for the drain: %s",
                len(email_ids) - handed,
                exc,
            )
            break
        handed += 1
    return handed


def deliver(email_id: int) -> bool:
    """Send one pending email; return whether this call sent it.

    The row stays locked while the message goes out, so a concurrent ``deliver`` of the
    same row (the on-commit task and the drain, or a redelivered task) skips it instead of
    sending it twice. A failed send counts an attempt and leaves the row pending.
    """
    with transaction.atomic():
        email = (
            OutboundEmail.objects.select_for_update(skip_locked=True)
            .filter(pk=email_id, sent_at__isnull=True)
            .first()
        )
        if email is None:
            return False
        now = timezone.now()
        try:
            EmailMessage(
                subject=email.subject,
                body=email.body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=email.recipients,
                # A mail server that never answers must not hold the row lock (and the
                # worker) forever: Django's SMTP default is to wait indefinitely.
                connection=get_connection(timeout=_send_timeout()),
            ).send()
        except Exception as exc:
            OutboundEmail.objects.filter(pk=email.pk).update(
                attempts=F("attempts") + 1, last_attempt_at=now, last_error=str(exc)[:2000]
            )
            log.warning("Email %s not sent (attempt %d): %s", email.pk, email.attempts + 1, exc)
            return False
        OutboundEmail.objects.filter(pk=email.pk).update(
            sent_at=now, attempts=F("attempts") + 1, last_attempt_at=now, last_error=""
        )
        return True


def _send_timeout() -> float:
    return getattr(settings, "EMAIL_TIMEOUT", None) or DEFAULT_SEND_TIMEOUT


def pending_emails(now, *, retry_after=None):
    """Pending emails old enough that the on-commit delivery has clearly not happened.

    A row never tried waits ``retry_after`` from its creation; a row that failed waits
    ``retry_after`` from its last attempt (``drain`` then backs off further).
    """
    retry_after = settings.OUTBOX_RETRY_AFTER if retry_after is None else retry_after
    cutoff = now - retry_after
    return OutboundEmail.objects.filter(
        Q(attempts=0, created_at__lte=cutoff) | Q(attempts__gt=0, last_attempt_at__lte=cutoff),
        sent_at__isnull=True,
        attempts__lt=settings.OUTBOX_MAX_ATTEMPTS,
    ).order_by("created_at", "id")


def retry_delay(attempts: int, retry_after: timedelta) -> timedelta:
    """How long after its last failed attempt a row is tried again: doubling, capped.

    With the defaults (20 s, 20 attempts) a message keeps being retried for about half a
    day, so a mail server outage of a few hours loses nothing.
    """
    if attempts <= 0:
        return retry_after
    return min(retry_after * 2 ** min(attempts - 1, 20), max(retry_after, MAX_RETRY_DELAY))


def drain(now=None, *, retry_after=None, limit: int = 500) -> int:
    """Deliver pending emails directly (the periodic catch-up); return how many were sent."""
    now = now or timezone.now()
    retry_after = settings.OUTBOX_RETRY_AFTER if retry_after is None else retry_after
    candidates = pending_emails(now, retry_after=retry_after).values_list(
        "pk", "attempts", "last_attempt_at"
    )
    due = [
        pk
        for pk, attempts, last_attempt_at in candidates[: limit * 4]
        if attempts == 0 or last_attempt_at <= now - retry_delay(attempts, retry_after)
    ][:limit]
    return sum(1 for email_id in due if deliver(email_id))
