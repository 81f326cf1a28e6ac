"""How tickets flowed through the pyramids in a month: per tier, department and organisation.

Every count is of distinct tickets (docs/metrics.md, "Tickets, not events"). Each figure is
a condition on one of three sources, and the drill-down (``flow_tickets``) filters the same
source by the same condition, so a cell and its list of tickets cannot disagree.
"""

from dataclasses import dataclass, field, fields

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)

from departments.models import Tier
from reports.metrics.aggregates import (
    PercentileDisc,
    group_percentiles,
    percentiles_in_database,
    whole_seconds,
)
from reports.metrics.scope import ReportScope
from tickets.models import Handoff, HandoffKind, Status, Ticket

TIMED_OUT = [HandoffKind.ESCALATED, HandoffKind.BREACHED]

# Conditions on ``flow_moves`` rows: each figure counts the distinct tickets meeting one.
MOVE_FIGURES = {
    "opened": Q(kind=HandoffKind.OPENED),
    "passed_up": Q(kind=HandoffKind.PASSED),
    "escalated": Q(kind=HandoffKind.ESCALATED),
    "breached": Q(kind=HandoffKind.BREACHED),
    # Entries from before the ledger stored its facts (no tier_time) have no charge at all:
    # only those whose owner was nobody are unowned.
    "unowned_timeouts": Q(kind__in=TIMED_OUT, charged_to__isnull=True)
    & (Q(tier_time__isnull=False) | Q(from_owner_id__isnull=True)),
}
# Conditions on ``resolutions`` rows (None: every row).
RESOLUTION_FIGURES = {
    "resolved": None,
    "resolved_within": Q(resolved_at__lt=F("due_at")),
    "first_call": Q(resolved_on_first_call=True),
    "came_back": Q(came_back=True),
}
COUNTS = (*MOVE_FIGURES, *RESOLUTION_FIGURES, "backlog")


@dataclass
class FlowFigures:
    opened: int = 0
    resolved: int = 0
    resolved_within: int = 0
    first_call: int = 0
    came_back: int = 0
    passed_up: int = 0
    escalated: int = 0
    breached: int = 0
    unowned_timeouts: int = 0
    backlog: int = 0
    median_seconds: int | None = None
    p90_seconds: int | None = None

    @property
    def within_share(self) -> float | None:
        """Share of the resolved tickets resolved before their tier's deadline (0-1)."""
        return self.resolved_within / self.resolved if self.resolved else None

    @property
    def came_back_rate(self) -> float | None:
        return self.came_back / self.resolved if self.resolved else None

    def as_dict(self) -> dict:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["within_share"] = self.within_share
        data["came_back_rate"] = self.came_back_rate
        return data


@dataclass
class TierFlow:
    tier: Tier
    figures: FlowFigures = field(default_factory=FlowFigures)


@dataclass
class DepartmentFlow:
    department: object
    figures: FlowFigures = field(default_factory=FlowFigures)
    tiers: list[TierFlow] = field(default_factory=list)


@dataclass
class Flow:
    organisation: FlowFigures
    departments: list[DepartmentFlow]

    def tier_rows(self) -> list[TierFlow]:
        return [t for d in self.departments for t in d.tiers]


# --- the sources ----------------------------------------------------------------------


def flow_moves(scope: ReportScope) -> QuerySet[Handoff]:
    """The month's openings, passes, escalations and breaches, keyed by where they count.

    An opening counts at the tier (and department) it entered, every other move at the one
    it left.
    """
    rows = Handoff.objects.filter(
        at__gte=scope.start,
        at__lt=scope.end,
        kind__in=[HandoffKind.OPENED, HandoffKind.PASSED, *TIMED_OUT],
    ).annotate(
        tier_key=Case(
            When(kind=HandoffKind.OPENED, then=F("to_tier_id")), default=F("from_tier_id")
        ),
        department_key=Case(
            When(kind=HandoffKind.OPENED, then=F("to_department_id")),
            default=F("from_department_id"),
        ),
    )
    if scope.department_id:
        rows = rows.filter(department_key=scope.department_id)
    return rows


def came_back(scope: ReportScope) -> Exists:
    """The resolved ticket (OuterRef) came back: its customer opened a linked ticket, or one
    in the same category, within the window after the resolution."""
    later = Ticket.objects.filter(
        customer_id=OuterRef("customer_id"),
        opened_at__gt=OuterRef("resolved_at"),
        opened_at__lte=ExpressionWrapper(
            OuterRef("resolved_at") + scope.rules.came_back_within, output_field=DateTimeField()
        ),
    ).filter(Q(previous_ticket_id=OuterRef("pk")) | Q(category_id=OuterRef("category_id")))
    return Exists(later.filter(scope.recorded("opened_at")))


def resolutions(scope: ReportScope) -> QuerySet[Ticket]:
    """Tickets resolved in the month, in the department where they were resolved."""
    tickets = Ticket.objects.filter(
        status=Status.RESOLVED, resolved_at__gte=scope.start, resolved_at__lt=scope.end
    )
    if scope.department_id:
        tickets = tickets.filter(department_id=scope.department_id)
    return tickets.annotate(came_back=came_back(scope))


def open_at(instant) -> QuerySet[Ticket]:
    """Tickets opened before ``instant`` and not yet resolved at it."""
    return Ticket.objects.filter(opened_at__lt=instant).filter(
        Q(resolved_at__isnull=True) | Q(resolved_at__gte=instant)
    )


def state_before(instant, column: str) -> Subquery:
    """``column`` of the ledger's last entry for OuterRef('pk') before ``instant``."""
    # Ties on ``at`` fall back to the id: the ticket's row lock serialises its handoffs.
    return Subquery(
        Handoff.objects.filter(ticket=OuterRef("pk"), at__lt=instant)
        .order_by("-at", "-id")
        .values(column)[:1]
    )


def state_at(instant, column: str, current: str):
    """Where the ledger had each open ticket at ``instant`` (``column`` of its last entry).

    A ticket whose latest entry (``last_handoff_at``, kept by the actions) came before the
    instant is still where that entry put it, so only tickets that moved since need the
    ledger look-up.
    """
    return Case(
        When(last_handoff_at__lt=instant, then=F(current)),
        default=state_before(instant, column),
        output_field=IntegerField(),
    )


def backlog_at(instant, department_id: int | None = None) -> QuerySet[Ticket]:
    """Tickets open at ``instant`` with the tier and department they were at then."""
    tickets = open_at(instant).annotate(
        tier_then=state_at(instant, "to_tier_id", "tier_id"),
        department_then=state_at(instant, "to_department_id", "department_id"),
    )
    if department_id:
        tickets = tickets.filter(department_then=department_id)
    return tickets


# --- the figures ----------------------------------------------------------------------


def monthly_flow(scope: ReportScope, tiers: list[Tier], resolutions_by_tier: dict) -> Flow:
    """Every flow figure of the month with a fixed number of aggregate queries.

    ``resolutions_by_tier`` is {tier id: {figure: count}} for RESOLUTION_FIGURES, which the
    caller reads in one statement together with the people's and the days' resolutions.
    """
    tiers = [t for t in tiers if not scope.department_id or t.department_id == scope.department_id]
    by_tier = {t.pk: TierFlow(t) for t in tiers}
    departments: dict[int, DepartmentFlow] = {}
    for tier_flow in by_tier.values():
        dept = departments.setdefault(
            tier_flow.tier.department_id, DepartmentFlow(tier_flow.tier.department)
        )
        dept.tiers.append(tier_flow)
    organisation = FlowFigures()

    moves = flow_moves(scope)
    counts = {
        name: Count("ticket_id", distinct=True, filter=condition)
        for name, condition in MOVE_FIGURES.items()
    }
    for row in moves.values("tier_key").annotate(**counts).order_by():
        if row["tier_key"] in by_tier:
            _set(by_tier[row["tier_key"]].figures, row, MOVE_FIGURES)
    for row in moves.values("department_key").annotate(**counts).order_by():
        if row["department_key"] in departments:
            _set(departments[row["department_key"]].figures, row, MOVE_FIGURES)
    _set(organisation, moves.aggregate(**counts), MOVE_FIGURES)

    # A resolved or open ticket is at exactly one tier: departments and the organisation
    # are the sums of their tiers.
    backlog = (
        backlog_at(scope.end).values("tier_then").annotate(n=Count("id")).order_by()
    )
    per_tier = {row["tier_then"]: {"backlog": row["n"]} for row in backlog}
    for tier_id, figures in resolutions_by_tier.items():
        per_tier.setdefault(tier_id, {}).update(figures)
    for tier_id, figures in per_tier.items():
        if tier_id not in by_tier:
            continue
        tier = by_tier[tier_id].tier
        for target in (by_tier[tier_id].figures, departments[tier.department_id].figures, organisation):
            for name, n in figures.items():
                setattr(target, name, getattr(target, name) + n)

    _percentiles(scope, by_tier, departments, organisation)
    ordered = sorted(departments.values(), key=lambda d: d.department.name)
    for dept in ordered:
        dept.tiers.sort(key=lambda t: t.tier.level)
    return Flow(organisation=organisation, departments=ordered)


def _set(figures: FlowFigures, row: dict, names) -> None:
    for name in names:
        setattr(figures, name, row[name] or 0)


def _took():
    return ExpressionWrapper(F("resolved_at") - F("opened_at"), output_field=DurationField())


def _percentiles(scope, by_tier, departments, organisation) -> None:
    """Nearest-rank median and 90th percentile of opened -> resolved, per row."""
    resolved = resolutions(scope).order_by()
    if percentiles_in_database():
        aggregates = {"median": PercentileDisc(_took(), 0.5), "p90": PercentileDisc(_took(), 0.9)}
        per_tier = {
            r["tier_id"]: (r["median"], r["p90"])
            for r in resolved.values("tier_id").annotate(**aggregates)
        }
        per_dept = {
            r["department_id"]: (r["median"], r["p90"])
            for r in resolved.values("department_id").annotate(**aggregates)
        }
        overall = resolved.aggregate(**aggregates)
        per_org = (overall["median"], overall["p90"])
    else:
        rows = list(resolved.values_list("tier_id", "department_id", "opened_at", "resolved_at"))

        def took(r):
            return r[3] - r[2]

        per_tier = group_percentiles(rows, lambda r: r[0], took)
        per_dept = group_percentiles(rows, lambda r: r[1], took)
        per_org = group_percentiles(rows, lambda r: None, took).get(None, (None, None))
    for tier_id, values in per_tier.items():
        if tier_id in by_tier:
            _set_percentiles(by_tier[tier_id].figures, *values)
    for dept_id, values in per_dept.items():
        if dept_id in departments:
            _set_percentiles(departments[dept_id].figures, *values)
    _set_percentiles(organisation, *per_org)


def _set_percentiles(figures: FlowFigures, median, p90) -> None:
    figures.median_seconds = whole_seconds(median)
    figures.p90_seconds = whole_seconds(p90)


# --- the drill-down -------------------------------------------------------------------

PERCENTILE_FIGURES = {"median": "resolved", "p90": "resolved", "within_share": "resolved_within",
                      "came_back_rate": "came_back"}


def flow_tickets(scope: ReportScope, level: str, key: int | None, figure: str) -> QuerySet:
    """The ids of the tickets behind one flow cell (a subquery, never a Python list).

    ``level`` is "tier", "department" or "organisation" (``key`` None). A percentile or a
    share links to the tickets it is computed over (or the numerator's).
    """
    figure = PERCENTILE_FIGURES.get(figure, figure)
    if figure in MOVE_FIGURES:
        rows = flow_moves(scope).filter(MOVE_FIGURES[figure])
        if level != "organisation":
            rows = rows.filter(**{f"{level}_key": key})
        return rows.values("ticket_id")
    if figure in RESOLUTION_FIGURES:
        rows = resolutions(scope)
        if RESOLUTION_FIGURES[figure] is not None:
            rows = rows.filter(RESOLUTION_FIGURES[figure])
        if level != "organisation":
            rows = rows.filter(**{f"{level}_id": key})
        return rows.values("id")
    if figure == "backlog":
        rows = backlog_at(scope.end, scope.department_id)
        if level == "tier":
            rows = rows.filter(tier_then=key)
        elif level == "department":
            rows = rows.filter(department_then=key)
        return rows.values("id")
    raise ValueError(figure)
