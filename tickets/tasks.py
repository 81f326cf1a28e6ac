"""Celery tasks of the tickets app: thin wrappers over the outbox and the ledger seal."""

from celery import shared_task

from tickets import outbox
from tickets.ledger import do_seal_ledger


@shared_task(name="tickets.deliver_email", ignore_result=True)
def deliver_email(email_id: int) -> bool:
    return outbox.deliver(email_id)


@shared_task(name="tickets.drain_outbox", ignore_result=True)
def drain_outbox() -> int:
    """Send what the on-commit hand-off could not (broker or mail server was down).

    No expiry: an absolute deadline is judged on the worker's clock against the sender's,
    and a rerun is harmless (each email is claimed under a row lock).
    """
    return outbox.drain()


@shared_task(name="tickets.seal_ledger", ignore_result=True)
def seal_ledger() -> str:
    """Write today's ledger seal and email it to the managers; a second run the same day does nothing."""
    seal, written = do_seal_ledger()
    return f"sealed {seal.day}: {seal.digest}" if written else f"already sealed {seal.day}"
