"""A closed month stays closed (docs/metrics.md).

When a month's summary email goes out, the month is closed: its figures are stored with
the ``MonthlySummary`` row and from then on the month is reported as it stood at that
instant. The ledger is append-only, so recomputing the month "as of" the close gives the
same figures; ``snapshot_differs`` checks that it still does, so that the page and the
email can never silently disagree (say, after a definition changed in an upgrade).
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q

from reports.metrics.flow import resolutions
from reports.metrics.satisfaction import SATISFIED, responses_for
from reports.models import MonthlySummary
from reports.months import Month


@dataclass
class AfterClose:
    """What arrived after the month closed, and what it would change."""

    closed_at: datetime
    late_answers: int
    satisfied_at_close: float | None
    satisfied_with_late: float | None
    came_back_since: int
    differs: bool = False


def closed_month(month: Month) -> MonthlySummary | None:
    return MonthlySummary.objects.filter(month=month.first_day).first()


# A person's figures added after months were first closed (waiting on the customer, shifts).
LATER_FIGURES = ("pauses", "paused_seconds", "late_pauses", "pauses_past_limit", "off_shift_timeouts")


def snapshot(report) -> dict:
    """The figures a closed month keeps: every row of the flow and people tables, and the
    organisation's satisfaction. JSON-ready; keys are strings."""
    flow = {"organisation": report.flow.organisation.as_dict()} if not report.department else {}
    for dept in report.flow.departments:
        flow[f"department:{dept.department.pk}"] = dept.figures.as_dict()
        for tier_flow in dept.tiers:
            flow[f"tier:{tier_flow.tier.pk}"] = tier_flow.figures.as_dict()
    people = {
        f"{p.user_id}:{p.tier_id}": {
            "held": p.held,
            "resolved": p.resolved,
            "came_back": p.came_back,
            "passed_up": p.passed_up,
            "quick_passes": p.quick_passes,
            "thin_passes": p.thin_passes,
            "timeouts": p.timeouts,
            "late_releases": p.late_releases,
            "thin_transfers": p.thin_transfers,
            "returned_transfers": p.returned_transfers,
            "bounces": p.bounces,
            "dumped": p.dumped,
            "median_held_seconds": p.median_held_seconds,
            "responses": p.responses,
            "satisfied": p.satisfied,
            "held_responses": p.held_responses,
            "held_satisfied": p.held_satisfied,
            "flagged": sorted(p.flagged),
            # Figures added later, kept only when set: a month closed before they existed
            # (none of them could be non-zero then) still compares equal.
            **{name: getattr(p, name) for name in LATER_FIGURES if getattr(p, name)},
        }
        for p in report.people
    }
    data = {"flow": flow, "people": people}
    if not report.department:
        overall = report.satisfaction.overall
        data["satisfaction"] = {"responses": overall.responses, "satisfied": overall.satisfied}
    return data


def snapshot_differs(report, stored: dict | None) -> bool:
    """Whether the stored figures disagree with the month recomputed as of its close.

    A department's page is compared on the rows it shows (a filter never changes a row).
    Rows that appear in only one of the two count as a difference, except the rows of other
    departments on a department's page.
    """
    if not stored:
        return False
    now = snapshot(report)
    for section in ("flow", "people"):
        mine, theirs = now.get(section, {}), stored.get(section, {})
        if report.department:
            theirs = {k: v for k, v in theirs.items() if k in mine or _in(report, section, k)}
        if mine != theirs:
            return True
    return "satisfaction" in now and now["satisfaction"] != stored.get("satisfaction")


def _in(report, section: str, key: str) -> bool:
    """Whether a stored row belongs to the department the report shows."""
    if section == "flow":
        kind, _sep, ident = key.partition(":")
        if kind == "department":
            return int(ident) == report.department.pk
        if kind == "tier":
            return any(t.tier.pk == int(ident) for t in report.flow.tier_rows())
        return False
    tier_id = int(key.split(":")[1])
    return any(t.tier.pk == tier_id for t in report.flow.tier_rows())


def after_close(report, live_scope) -> AfterClose:
    """Survey answers and returns recorded after the close, against the live month."""
    closed_at = report.scope.as_of
    live = responses_for(live_scope).aggregate(
        n=Count("id"),
        ok=Count("id", filter=SATISFIED),
        late=Count("id", filter=Q(answered_at__gte=closed_at)),
    )
    came_back_live = resolutions(live_scope).filter(came_back=True).count()
    came_back_then = report.flow.organisation.came_back if not report.department else sum(
        d.figures.came_back for d in report.flow.departments
    )
    at_close = report.satisfaction.overall
    return AfterClose(
        closed_at=closed_at,
        late_answers=live["late"],
        satisfied_at_close=at_close.share,
        satisfied_with_late=live["ok"] / live["n"] if live["n"] else None,
        came_back_since=came_back_live - came_back_then,
    )
