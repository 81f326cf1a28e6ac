"""Celery tasks of the tickets app: the ledger's daily seal."""

from celery import shared_task

from tickets.ledger import do_seal_ledger


@shared_task(name="tickets.seal_ledger", ignore_result=True)
def seal_ledger() -> str:
    """Write today's ledger seal and email it to the managers; a second run the same day does nothing."""
    seal, written = do_seal_ledger()
    return f"sealed {seal.day}: {seal.digest}" if written else f"already sealed {seal.day}"
