"""The email outbox: rows written inside the transaction, delivered after it commits.

``queue_email`` is called inside an action's transaction. After commit each row is handed
to a Celery task; if the broker is unreachable the row simply waits, and the periodic
``drain`` delivers it once things are back. Delivery locks the row (SKIP LOCKED), so two
workers never send the same message. A failed send (mail server down) is retried by the
drain with a doubling delay, up to ``OUTBOX_MAX_ATTEMPTS``; the row then stays in the
table, with its last error, for someone to look at.

A secret in a body (a survey link) is wrapped by ``secret_link``: the customer receives it
as it is, but the row keeps it only until the message is sent (a failed send keeps it for
the retry), and ``redacted`` is all the admin ever shows.
"""

import logging
import re
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from outbox.models import OutboundEmail

log = logging.getLogger(__name__)

# Used when settings.EMAIL_TIMEOUT is not set (seconds).
DEFAULT_SEND_TIMEOUT = 30
# The longest wait between two attempts at a failing email.
MAX_RETRY_DELAY = timedelta(hours=1)


# Control characters no typed text contains: they mark where a secret starts and ends.
SECRET_START, SECRET_END = "\x02", "\x03"
_SECRET = re.compile("\x02([^\x02\x03]*)\x03")
# Not translated: only the stored copy shows it (to administrators, in the outbox), and the
# recipient's language is not known where an email is sent.
REDACTED_LINK = "[link removed after sending]"


def secret_link(url: str) -> str:
    """Mark ``url`` in an email body as a secret: sent, then removed from the stored row."""
    return f"{SECRET_START}{url}{SECRET_END}"


def revealed(body: str) -> str:
    """The body as the recipient receives it: secrets in place, markers gone."""
    return _strip_markers(_SECRET.sub(lambda m: m.group(1), body))


def redacted(body: str) -> str:
    """The body as it may be kept and shown once sent: every secret replaced."""
    return _strip_markers(_SECRET.sub(lambda m: REDACTED_LINK, body))


def _strip_markers(text: str) -> str:
    return text.replace(SECRET_START, "").replace(SECRET_END, "")


def one_line(value: str) -> str:
    """A header value on one line: a CR or LF (from a ticket's subject) makes the message
    unsendable, so every run of whitespace becomes one space."""
    return " ".join(value.split())


# Set inside ``not_delivered()`` to the block's mailbox: emails are recorded as sent and
# never handed to a worker.
_not_delivered: ContextVar[deque[OutboundEmail] | None] = ContextVar("tierdesk_outbox_not_delivered", default=None)


@contextmanager
def not_delivered(keep: int = 200) -> Iterator[deque[OutboundEmail]]:
    """Record the emails queued inside the block as sent, without sending or dispatching them.

    For generated history (``manage.py simulate``): its people and customers are made up, so
    nothing may reach a mail server, and weeks of it must not pile up for the worker or the
    drain. The outbox still shows what would have gone out (``sent_at`` = ``created_at``),
    with its secrets removed as after any send. What "arrived" is yielded: the last
    ``keep`` emails as received (unsaved rows, secrets in place), newest last.
    """
    mailbox: deque[OutboundEmail] = deque(maxlen=keep)
    token = _not_delivered.set(mailbox)
    try:
        yield mailbox
    finally:
        _not_delivered.reset(token)


def not_delivered_mailbox() -> deque[OutboundEmail]:
    """The emails received inside the current ``not_delivered()`` block (empty outside one)."""
    mailbox = _not_delivered.get()
    return mailbox if mailbox is not None else deque()


def _record_not_delivered(email: OutboundEmail, mailbox: deque[OutboundEmail]) -> None:
    mailbox.append(
        OutboundEmail(
            kind=email.kind, recipients=email.recipients, subject=email.subject,
            body=revealed(email.body), created_at=email.created_at, sent_at=email.created_at,
        )
    )
    email.body = redacted(email.body)
    email.sent_at = email.created_at


def queue_email(
    kind: str, recipients: Iterable[str], subject: str, body: str
) -> OutboundEmail | None:
    """Write one email to the outbox and hand it to a worker once the transaction commits.

    Line breaks in the subject and recipients become spaces here, for every sender.
    """
    recipients = sorted({one_line(r) for r in recipients if r} - {""})
    if not recipients:
        return None
    email = OutboundEmail(
        kind=kind, recipients=recipients, subject=one_line(subject)[:250], body=body
    )
    mailbox = _not_delivered.get()
    if mailbox is not None:
        _record_not_delivered(email, mailbox)
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
    for email in emails:
        email.recipients = [one_line(r) for r in email.recipients]
        email.subject = one_line(email.subject)[:250]
    mailbox = _not_delivered.get()
    if mailbox is not None:
        for email in emails:
            _record_not_delivered(email, mailbox)
        return OutboundEmail.objects.bulk_create(emails)
    created = OutboundEmail.objects.bulk_create(emails)
    ids = [e.pk for e in created]
    transaction.on_commit(lambda: dispatch(ids))
    return created


def dispatch(email_ids: list[int]) -> int:
    """Hand emails to the broker; return how many were handed over.

    Never raises: with the broker down the rows stay pending for ``drain``.
    """
    from outbox.tasks import deliver_email

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
                # one_line again: rows queued before it was applied at queueing.
                subject=one_line(email.subject),
                body=revealed(email.body),
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
        # Sent: the secrets it carried have done their job and are not kept.
        OutboundEmail.objects.filter(pk=email.pk).update(
            sent_at=now,
            attempts=F("attempts") + 1,
            last_attempt_at=now,
            last_error="",
            body=redacted(email.body),
        )
        return True


def _send_timeout() -> float:
    return getattr(settings, "EMAIL_TIMEOUT", None) or DEFAULT_SEND_TIMEOUT


def pending_emails(
    now: datetime, *, retry_after: timedelta | None = None
) -> QuerySet[OutboundEmail]:
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
    # A whole number: the exponent is never negative here (typeshed types int ** int as Any).
    factor: int = 2 ** min(attempts - 1, 20)
    return min(retry_after * factor, max(retry_after, MAX_RETRY_DELAY))


def drain(
    now: datetime | None = None, *, retry_after: timedelta | None = None, limit: int = 500
) -> int:
    """Deliver pending emails directly (the periodic catch-up); return how many were sent."""
    now = now or timezone.now()
    retry_after = settings.OUTBOX_RETRY_AFTER if retry_after is None else retry_after
    candidates = pending_emails(now, retry_after=retry_after).values_list(
        "pk", "attempts", "last_attempt_at"
    )
    # A row tried before has its last_attempt_at: pending_emails selects it by that time.
    due = [
        pk
        for pk, attempts, last_attempt_at in candidates[: limit * 4]
        if attempts == 0
        or (last_attempt_at is not None and last_attempt_at <= now - retry_delay(attempts, retry_after))
    ][:limit]
    return sum(1 for email_id in due if deliver(email_id))
