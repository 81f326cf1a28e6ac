"""Celery tasks of the clock: thin, each calls one action and is safe to run twice."""

from celery import shared_task

from escalation.digest import send_weekly_digest as send_digest
from escalation.sweep import run_sweep
from tickets.referral_actions import do_flag_overdue_referrals


@shared_task(name="escalation.escalate_due_tickets", ignore_result=True)
def escalate_due_tickets() -> str:
    """Run one sweep. Idempotent: a second copy at the same moment finds nothing left to do."""
    return str(run_sweep())


@shared_task(name="escalation.flag_overdue_referrals", ignore_result=True)
def flag_overdue_referrals() -> str:
    """Flag unanswered referrals past their target to their department's leads, once each."""
    return str(do_flag_overdue_referrals())


@shared_task(name="escalation.send_weekly_digest", ignore_result=True)
def send_weekly_digest() -> str:
    """Queue last week's bulletin digest; a second run in the same week sends nothing."""
    run = send_digest()
    return f"sent to {run.recipients}" if run else "already sent this week"
