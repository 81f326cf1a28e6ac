"""The email outbox: rows written inside the transaction, delivered after it commits.

``queue_email`` is called inside an action's transaction. After commit each row is handed
to a Celery task; if the broker is unreachable the row simply waits, and the periodic
``drain`` delivers it once things are back. Delivery locks the row (SKIP LOCKED), so two
workers never send the same message.
"""

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tickets.models import OutboundEmail

log = logging.getLogger(__name__)


def queue_email(kind: str, recipients: Iterable[str], subject: str, body: str) -> OutboundEmail | None:
    """Write one email to the outbox and hand it to a worker once the transaction commits."""
    recipients = sorted({r for r in recipients if r})
    if not recipients:
        return None
    email = OutboundEmail.objects.create(kind=kind, recipients=recipients, subject=subject[:250], body=body)
    transaction.on_commit(lambda: dispatch([email.pk]))
    return email


def queue_emails(emails: list[OutboundEmail]) -> list[OutboundEmail]:
    """Write several prepared emails at once (the sweep's notifications)."""
    emails = [e for e in emails if e.recipients]
    if not emails:
        return []
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
            log.warning("Broker unreachable; email %s stays in the outbox: %s", email_id, exc)
            break
        handed += 1
    return handed


def deliver(email_id: int) -> bool:
    """Send one pending email; return whether this call sent it."""
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
                subject=email.subject, body=email.body, from_email=settings.DEFAULT_FROM_EMAIL,
                to=email.recipients,
            ).send()
        except Exception as exc:
            OutboundEmail.objects.filter(pk=email.pk).update(
                attempts=F("attempts") + 1, last_attempt_at=now, last_error=str(exc)[:2000]
            )
            log.warning("Email %s not sent: %s", email.pk, exc)
            return False
        OutboundEmail.objects.filter(pk=email.pk).update(
            sent_at=now, attempts=F("attempts") + 1, last_attempt_at=now, last_error=""
        )
        return True


def pending_emails(now, *, retry_after=None):
    """Pending emails old enough that the on-commit delivery has clearly not happened."""
    retry_after = settings.OUTBOX_RETRY_AFTER if retry_after is None else retry_after
    return OutboundEmail.objects.filter(
        sent_at__isnull=True,
        created_at__lte=now - retry_after,
        attempts__lt=settings.OUTBOX_MAX_ATTEMPTS,
    ).order_by("created_at", "id")


def drain(now=None, *, retry_after=None, limit: int = 500) -> int:
    """Deliver pending emails directly (the periodic catch-up); return how many were sent."""
    now = now or timezone.now()
    ids = list(pending_emails(now, retry_after=retry_after).values_list("pk", flat=True)[:limit])
    return sum(1 for email_id in ids if deliver(email_id))
