"""How tickets flowed through the pyramids in a month: per tier, department and organisation.

Every count is of distinct tickets (docs/metrics.md, "Tickets, not events"). Each figure is
a condition on one of three sources, and the drill-down (``flow_tickets``) filters the same
source by the same condition, so a cell and its list of tickets cannot disagree.
"""

from dataclasses import dataclass, field, fields
from datetime import UTC, datetime

from django.db import connection
from django.db.models import (
    BooleanField,
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
    Value,
    When,
)
from django.db.models.functions import Coalesce

from departments.models import Tier
from reports.metrics.aggregates import (
    group_percentiles,
    grouped_counts,
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


# When a ticket stopped being open: its resolution, or (still open) never. "Open at an
# instant" and "resolved in the month" are then each one range over this expression, which
# migration reports/0004 indexes together with the columns the reports read: the open
# backlog, scattered over years of tickets, and the month's resolutions come from the index
# alone instead of one heap page per ticket.
NEVER = datetime(9999, 12, 31, tzinfo=UTC)


def settled_at(prefix: str = "") -> Coalesce:
    return Coalesce(F(f"{prefix}resolved_at"), Value(NEVER), output_field=DateTimeField())


def resolved_in(scope: ReportScope) -> QuerySet[Ticket]:
    """Every ticket resolved in the month (any department)."""
    return Ticket.objects.alias(settled=settled_at()).filter(
        status=Status.RESOLVED, settled__gte=scope.start, settled__lt=scope.end
    )


def came_back(scope: ReportScope) -> ExpressionWrapper:
    """The resolved ticket came back: its customer opened a linked ticket, or one in the
    same category, within the window after the resolution.

    Membership of one set, the month's resolutions that came back, which PostgreSQL
    computes once per statement (a hashed subplan) instead of probing the customer's
    tickets once per resolution.
    """
    window = scope.rules.came_back_within
    later = (
        Ticket.objects.filter(
            customer_id=OuterRef("customer_id"),
            opened_at__gt=OuterRef("resolved_at"),
            opened_at__lte=ExpressionWrapper(
                OuterRef("resolved_at") + window, output_field=DateTimeField()
            ),
        )
        # Implied by the two above for a resolution of the month; spelled out so that only
        # the tickets opened from the month's start to the window after its end are joined.
        .filter(opened_at__gt=scope.start, opened_at__lte=scope.end + window)
        .filter(Q(previous_ticket_id=OuterRef("pk")) | Q(category_id=OuterRef("category_id")))
        .filter(scope.recorded("opened_at"))
    )
    returned = resolved_in(scope).filter(Exists(later)).values("pk")
    return ExpressionWrapper(Q(pk__in=returned), output_field=BooleanField())


def resolutions(scope: ReportScope) -> QuerySet[Ticket]:
    """Tickets resolved in the month, in the department where they were resolved."""
    tickets = resolved_in(scope)
    if scope.department_id:
        tickets = tickets.filter(department_id=scope.department_id)
    return tickets.annotate(came_back=came_back(scope))


def open_at(instant) -> QuerySet[Ticket]:
    """Tickets opened before ``instant`` and not yet resolved at it."""
    return Ticket.objects.alias(settled=settled_at()).filter(
        opened_at__lt=instant, settled__gte=instant
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

    # Tiers, departments and the organisation from one scan of the month's moves.
    counts = grouped_counts(
        flow_moves(scope),
        {"tier": ("tier_key",), "department": ("department_key",), "organisation": ()},
        MOVE_FIGURES,
        distinct="ticket_id",
    )
    for row in counts["tier"]:
        if row["tier_key"] in by_tier:
            _set(by_tier[row["tier_key"]].figures, row, MOVE_FIGURES)
    for row in counts["department"]:
        if row["department_key"] in departments:
            _set(departments[row["department_key"]].figures, row, MOVE_FIGURES)
    for row in counts["organisation"]:
        _set(organisation, row, MOVE_FIGURES)

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


# The median and 90th percentile of each tier, department and the organisation in one
# statement over the month's resolutions, read once (PostgreSQL's percentile_disc).
_NEAREST_RANK = (
    "PERCENTILE_DISC(0.5) WITHIN GROUP (ORDER BY took),"
    " PERCENTILE_DISC(0.9) WITHIN GROUP (ORDER BY took)"
)
PERCENTILES_SQL = (
    "WITH resolved AS MATERIALIZED ({rows})"
    f" SELECT 'tier', tier_id, {_NEAREST_RANK} FROM resolved GROUP BY tier_id"
    f" UNION ALL SELECT 'department', department_id, {_NEAREST_RANK} FROM resolved"
    " GROUP BY department_id"
    f" UNION ALL SELECT 'organisation', NULL, {_NEAREST_RANK} FROM resolved"
)


def _percentiles(scope, by_tier, departments, organisation) -> None:
    """Nearest-rank median and 90th percentile of opened -> resolved, per row."""
    resolved = resolutions(scope).order_by()
    if percentiles_in_database():
        found = {"tier": {}, "department": {}, "organisation": {None: (None, None)}}
        rows_sql, params = resolved.values("tier_id", "department_id", took=_took()).query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(PERCENTILES_SQL.format(rows=rows_sql), params)
            for level, key, middle, p90 in cursor.fetchall():
                found[level][key] = (middle, p90)
        per_tier, per_dept = found["tier"], found["department"]
        per_org = found["organisation"][None]
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
