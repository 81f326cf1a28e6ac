"""Celery tasks of the reports app."""

from celery import shared_task

from reports.metrics.snapshots import refresh_due
from reports.months import last_full_month, parse_month
from reports.summary import send_monthly_summary as send_summary


@shared_task(name="reports.send_monthly_summary", ignore_result=True)
def send_monthly_summary(month: str | None = None) -> int:
    """Email last month's summary to the managers (or ``month``, "YYYY-MM"); once per month.

    Beat runs it on the 1st at 07:00 organisation time; running it again is harmless.
    """
    target = parse_month(month) if month else last_full_month()
    if target is None:
        raise ValueError(f"Not a month: {month!r}")
    return send_summary(target)


@shared_task(name="reports.refresh_report_snapshots", ignore_result=True)
def refresh_report_snapshots() -> int:
    """Take new snapshots of the months people read lately (reports.metrics.snapshots)."""
    return refresh_due()
