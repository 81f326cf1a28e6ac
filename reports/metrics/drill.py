"""The tickets behind any number of the dashboard: one entry point for every drill-down.

A figure is addressed by its ``level`` (where the row is), a ``key`` (which row), and the
``figure`` name; a person's row also names its ``tier``. Each level's function filters the
same source by the same condition as the aggregate that produced the number.
"""

from dataclasses import replace
from datetime import date

from django.db.models import QuerySet

from reports.metrics.daily import day_tickets
from reports.metrics.flow import COUNTS as FLOW_COUNTS
from reports.metrics.flow import PERCENTILE_FIGURES, flow_tickets, resolutions
from reports.metrics.people import PERSON_FIGURES, held_satisfaction, person_tickets
from reports.metrics.satisfaction import DIMENSIONS, answer_tickets, responses_for
from reports.metrics.scope import ReportScope

LEVELS = ("organisation", "department", "tier", "person", "day", "answers")
FLOW_FIGURES = (*FLOW_COUNTS, *PERCENTILE_FIGURES)
DAY_FIGURES = ("resolved", "backlog")
NULL_KEY = "~"
NUMBERED_DIMENSIONS = ("department", "tier", "person", "time_to_resolve", "handoffs", "tiers_visited")


class UnknownFigure(ValueError):
    """The level, figure or key does not name a number of the dashboard."""


def figures_of(level: str) -> tuple[str, ...]:
    if level in ("organisation", "department", "tier"):
        return FLOW_FIGURES
    if level == "person":
        return PERSON_FIGURES
    if level == "day":
        return DAY_FIGURES
    if level == "answers":
        return ("all", "reason", *DIMENSIONS)
    raise UnknownFigure(level)


def figure_tickets(
    scope: ReportScope, level: str, figure: str, key=None, tier_id: int | None = None
) -> QuerySet:
    """The ids of the tickets behind one number (a subquery; never a Python list)."""
    if figure not in figures_of(level):
        raise UnknownFigure(figure)
    if level in ("organisation", "department", "tier"):
        return flow_tickets(scope, level, None if level == "organisation" else key, figure)
    if level == "person":
        if figure == "held_responses":
            everywhere = replace(scope, department_id=None)
            return (
                held_satisfaction(scope, responses_for(everywhere))
                .filter(owner_id=key, tier_id=tier_id)
                .values("ticket_id")
            )
        return person_tickets(scope, key, tier_id, figure, resolutions(scope))
    if level == "day":
        return day_tickets(scope, key, figure)
    if figure == "all":
        return answer_tickets(scope, None, None)
    return answer_tickets(scope, figure, key)


def parse_key(level: str, figure: str, raw: str):
    """The key of a drill-down link as the source expects it; UnknownFigure when malformed."""
    try:
        if level == "organisation" or (level == "answers" and figure == "all"):
            return None
        if level == "day":
            return date.fromisoformat(raw)
        if level == "answers":
            if raw == NULL_KEY:
                return None
            if figure in NUMBERED_DIMENSIONS:
                return _number(raw)
            return raw
        return _number(raw)
    except ValueError as exc:
        raise UnknownFigure(raw) from exc


def _number(raw: str) -> int:
    # A row id or a bucket's index (from 0): ASCII digits, small enough for a bigint.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise ValueError(raw)
    return int(raw)
