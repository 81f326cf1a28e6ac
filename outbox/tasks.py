"""Celery tasks of the outbox: deliver one email after commit, and drain what is left."""

from celery import shared_task

from outbox import actions


@shared_task(name="outbox.deliver_email", ignore_result=True)
def deliver_email(email_id: int) -> bool:
    return actions.deliver(email_id)


@shared_task(name="outbox.drain_outbox", ignore_result=True)
def drain_outbox() -> int:
    """Send what the on-commit hand-off could not (broker or mail server was down).

    No expiry: an absolute deadline is judged on the worker's clock against the sender's,
    and a rerun is harmless (each email is claimed under a row lock).
    """
    return actions.drain()
