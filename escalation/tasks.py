"""Celery tasks of the clock: thin, each calls one action and is safe to run twice."""

from celery import shared_task

from escalation.heartbeat import record_sweep_completed, try_report_stopped_clock
from escalation.sweep import escalate_overdue as sweep
from referrals.actions import do_flag_overdue_referrals


@shared_task(name="escalation.escalate_overdue", ignore_result=True)
def escalate_overdue() -> str:
    """Run one sweep and stamp the clock's heartbeat. Idempotent: a second copy finds nothing."""
    result = sweep()
    record_sweep_completed()
    return str(result)


@shared_task(name="escalation.flag_overdue_referrals", ignore_result=True)
def flag_overdue_referrals() -> str:
    """Flag unanswered referrals past their target to their department's leads, once each.

    Queued at the sweep's rate but a separate task, so it also notices (and reports, once)
    sweeps that stopped completing while beat still runs.
    """
    flagged = do_flag_overdue_referrals()
    try_report_stopped_clock()
    return str(flagged)
