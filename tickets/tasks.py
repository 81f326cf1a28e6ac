"""Celery tasks of the tickets app: thin wrappers over the outbox."""

from celery import shared_task

from tickets import outbox


@shared_task(name="tickets.deliver_email", ignore_result=True)
def deliver_email(email_id: int) -> bool:
    return outbox.deliver(email_id)


@shared_task(name="tickets.drain_outbox", ignore_result=True, expires=60)
def drain_outbox() -> int:
    """Send what the on-commit hand-off could not (broker or mail server was down).

    Expires after a minute: a stale copy queued during an outage adds nothing that the
    next scheduled run would not do.
    """
    return outbox.drain()
