"""Celery tasks of the clock: thin, each calls one action and is safe to run twice."""

from celery import shared_task

from escalation.heartbeat import record_sweep_completed, try_report_stopped_clock
from escalation.notices import do_tell_leads_of_off_shift_time_outs
from escalation.sweep import escalate_overdue as sweep
from referrals.actions import do_flag_overdue_referrals
from tickets.actions import do_expire_pauses


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


@shared_task(name="escalation.expire_pauses", ignore_result=True)
def expire_pauses() -> str:
    """Restart the clock of every ticket that waited on the customer past the pause limit,
    once each (``tickets.actions.do_expire_pauses``). Idempotent: a second copy finds nothing."""
    return str(do_expire_pauses())


@shared_task(name="escalation.tell_leads_of_off_shift_time_outs", ignore_result=True)
def tell_leads_of_off_shift_time_outs() -> str:
    """Email the tier's leads of each time-out that ran out off shift, once, when the charged
    person's next shift has started (``escalation.notices``). Idempotent."""
    return str(do_tell_leads_of_off_shift_time_outs())
