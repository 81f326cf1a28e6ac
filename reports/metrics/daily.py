"""The month's resolutions in one statement, and the day-by-day series of the charts."""

from datetime import date

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate

from reports.metrics.flow import RESOLUTION_FIGURES, backlog_at, resolutions
from reports.metrics.scope import ReportScope
from reports.months import local_midnight, organisation_zone
from tickets.models import Handoff, HandoffKind


def resolutions_by_person_and_day(scope: ReportScope) -> list[dict]:
    """The month's resolutions counted per resolver, tier and local day, with each condition.

    One scan serves three tables: the tiers' resolution figures (summed over people and
    days), the people's (summed over days) and the resolved-per-day series.
    """
    counts = {
        name: Count("id", filter=condition) if condition is not None else Count("id")
        for name, condition in RESOLUTION_FIGURES.items()
    }
    return list(
        resolutions(scope)
        .annotate(day=TruncDate("resolved_at", tzinfo=organisation_zone()))
        .values("resolved_by_id", "tier_id", "day")
        .annotate(**counts)
        .order_by()
    )


def by_tier(rows: list[dict]) -> dict[int, dict]:
    result: dict[int, dict] = {}
    for r in rows:
        figures = result.setdefault(r["tier_id"], dict.fromkeys(RESOLUTION_FIGURES, 0))
        for name in RESOLUTION_FIGURES:
            figures[name] += r[name]
    return result


def by_person(rows: list[dict]) -> dict[tuple, dict]:
    result: dict[tuple, dict] = {}
    for r in rows:
        figures = result.setdefault(
            (r["resolved_by_id"], r["tier_id"]), {"resolved": 0, "came_back": 0}
        )
        figures["resolved"] += r["resolved"]
        figures["came_back"] += r["came_back"]
    return result


def resolved_per_day(scope: ReportScope, rows: list[dict]) -> list[tuple]:
    """[(local date, tickets resolved that day)] for every day of the month."""
    counts: dict = {}
    for r in rows:
        counts[r["day"]] = counts.get(r["day"], 0) + r["resolved"]
    return [(day, counts.get(day, 0)) for day in scope.month.days()]


def backlog_per_day(scope: ReportScope) -> list[tuple]:
    """[(local date, tickets open when it ended)] in the department the ledger had them in.

    The count at the month's first instant, then each day's entries into the scope
    (openings, transfers in) minus its exits (resolutions, transfers out): so the last
    day's value is the month-end backlog of the tables, by construction.
    """
    department_id = scope.department_id
    backlog = backlog_at(scope.start, department_id).count()
    moves = (
        Handoff.objects.filter(
            at__gte=scope.start,
            at__lt=scope.end,
            kind__in=[HandoffKind.OPENED, HandoffKind.TRANSFERRED, HandoffKind.RESOLVED],
        )
        .annotate(day=TruncDate("at", tzinfo=organisation_zone()))
        .values("day", "kind", "from_department_id", "to_department_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    change: dict = {}
    for m in moves:
        delta = 0
        entered = not department_id or m["to_department_id"] == department_id
        left = not department_id or m["from_department_id"] == department_id
        if m["kind"] == HandoffKind.OPENED and entered:
            delta = 1
        elif m["kind"] == HandoffKind.RESOLVED and left:
            delta = -1
        elif m["kind"] == HandoffKind.TRANSFERRED and department_id:
            delta = entered - left
        change[m["day"]] = change.get(m["day"], 0) + delta * m["n"]
    series = []
    for day in scope.month.days():
        backlog += change.get(day, 0)
        series.append((day, backlog))
    return series


def day_tickets(scope: ReportScope, day: date, figure: str) -> QuerySet:
    """The ids of the tickets behind one point of a daily series."""
    if day not in scope.month.days():
        raise ValueError(day)
    start, end = local_midnight(day), local_midnight(date.fromordinal(day.toordinal() + 1))
    # A day after the report's cut-off ends at the cut-off, like its point of the series.
    end = min(end, scope.end)
    if figure == "resolved":
        return resolutions(scope).filter(Q(resolved_at__gte=start, resolved_at__lt=end)).values("id")
    if figure == "backlog":
        return backlog_at(end, scope.department_id).values("id")
    raise ValueError(figure)
