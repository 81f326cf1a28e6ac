"""Celery tasks of the escalation clock: thin, ids in, one action each."""

from celery import shared_task

from escalation.sweep import run_sweep


@shared_task(name="escalation.escalate_due_tickets", ignore_result=True)
def escalate_due_tickets() -> str:
    """Run one sweep. Idempotent: a second copy at the same moment finds nothing left to do."""
    return str(run_sweep())
