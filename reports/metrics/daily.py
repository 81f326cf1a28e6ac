"""Day-by-day series for the month's charts, in the organisation's days."""

from django.db.models import Count, Q
from django.db.models.functions import TruncDate

from reports.metrics.flow import resolved_in
from reports.months import Month, organisation_zone
from tickets.models import Ticket


def resolutions_by_person_and_day(month: Month, department_id: int | None = None) -> list[tuple]:
    """[(resolver id, tier id, local date, tickets)] for the month's resolutions.

    One scan serves two figures: the people's resolved counts (summed over the days) and
    the resolved-per-day series (summed over the people).
    """
    rows = (
        resolved_in(month, department_id)
        .annotate(day=TruncDate("resolved_at", tzinfo=organisation_zone()))
        .values("resolved_by_id", "tier_id", "day")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [(r["resolved_by_id"], r["tier_id"], r["day"], r["n"]) for r in rows]


def resolved_per_day(
    month: Month, department_id: int | None = None, resolutions: list[tuple] | None = None
) -> list[tuple]:
    """[(local date, tickets resolved that day)] for every day of the month.

    ``resolutions`` is ``resolutions_by_person_and_day``'s result when the caller has it.
    """
    if resolutions is None:
        resolutions = resolutions_by_person_and_day(month, department_id)
    counts: dict = {}
    for _person, _tier, day, n in resolutions:
        counts[day] = counts.get(day, 0) + n
    return [(day, counts.get(day, 0)) for day in month.days()]


def backlog_per_day(
    month: Month, department_id: int | None = None, resolved_days=None
) -> list[tuple]:
    """[(local date, tickets open at the end of that day)] for every day of the month.

    Open at an instant = opened before it and not resolved before it, so the count at the
    end of each day is the count at the month's start plus that day's and earlier days'
    openings minus resolutions: three small aggregates instead of one count per day.
    With a department filter a ticket counts in the department it is in now (or was
    resolved in); the month-end figure in the tables follows the ledger exactly.
    """
    at_start = Ticket.objects.filter(opened_at__lt=month.start).filter(
        Q(resolved_at__isnull=True) | Q(resolved_at__gte=month.start)
    )
    opened = Ticket.objects.filter(opened_at__gte=month.start, opened_at__lt=month.end)
    if department_id:
        at_start = at_start.filter(department_id=department_id)
        opened = opened.filter(department_id=department_id)
    opened_rows = (
        opened.annotate(day=TruncDate("opened_at", tzinfo=organisation_zone()))
        .values("day")
        .annotate(n=Count("id"))
        .order_by()
    )
    opened_on = {r["day"]: r["n"] for r in opened_rows}
    resolved_on = dict(
        resolved_days if resolved_days is not None else resolved_per_day(month, department_id)
    )
    backlog = at_start.count()
    series = []
    for day in month.days():
        backlog += opened_on.get(day, 0) - resolved_on.get(day, 0)
        series.append((day, backlog))
    return series
