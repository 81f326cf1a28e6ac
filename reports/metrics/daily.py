"""Day-by-day series for the month's charts, in the organisation's days."""

from django.db.models import Count, Q
from django.db.models.functions import TruncDate

from reports.metrics.flow import resolved_in
from reports.months import Month, organisation_zone
from tickets.models import Ticket


def resolved_per_day(month: Month, department_id: int | None = None) -> list[tuple]:
    """[(local date, tickets resolved that day)] for every day of the month."""
    rows = (
        resolved_in(month, department_id)
        .annotate(day=TruncDate("resolved_at", tzinfo=organisation_zone()))
        .values("day")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {r["day"]: r["n"] for r in rows}
    return [(day, counts.get(day, 0)) for day in month.days()]


def backlog_per_day(month: Month, department_id: int | None = None) -> list[tuple]:
    """[(local date, tickets open at the end of that day)], in one query for the month.

    With a department filter a ticket counts in the department it is in now (or was
    resolved in); the month-end figure in the tables follows the ledger exactly.
    """
    ends = month.day_ends()
    tickets = Ticket.objects.filter(opened_at__lt=month.end).filter(
        Q(resolved_at__isnull=True) | Q(resolved_at__gte=month.start)
    )
    if department_id:
        tickets = tickets.filter(department_id=department_id)
    counts = tickets.aggregate(
        **{
            f"d{i}": Count(
                "id",
                filter=Q(opened_at__lt=end)
                & (Q(resolved_at__isnull=True) | Q(resolved_at__gte=end)),
            )
            for i, end in enumerate(ends)
        }
    )
    return [(day, counts[f"d{i}"]) for i, day in enumerate(month.days())]
