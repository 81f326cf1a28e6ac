"""Celery tasks of the departments app."""

from celery import shared_task

from departments.digest import send_weekly_digest as send_digest


@shared_task(name="departments.send_weekly_digest", ignore_result=True)
def send_weekly_digest() -> str:
    """Queue last week's bulletin digest; a second run in the same week sends nothing."""
    run = send_digest()
    return f"sent to {run.recipients}" if run else "already sent this week"
