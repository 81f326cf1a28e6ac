"""The monthly figures: one entry point, a fixed number of aggregate queries.

``monthly_report`` is what the dashboard, the CSV downloads, the API and the monthly email
all read, so every place shows the same numbers. Each figure is defined in docs/metrics.md
and its words live in ``reports.metrics.definitions``. A department filter chooses which
rows are shown; it never changes the numbers of a row.
"""

from dataclasses import dataclass, replace

from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.utils.translation import gettext_lazy as _

from departments.models import Department, Tier
from reports.metrics import daily
from reports.metrics.closing import AfterClose, after_close, closed_month, snapshot_differs
from reports.metrics.definitions import definitions
from reports.metrics.flow import Flow, monthly_flow
from reports.metrics.people import PersonFigures, people_figures, tier_medians
from reports.metrics.rules import Rules
from reports.metrics.satisfaction import (
    Satisfaction,
    answer_groups,
    answers_per_person,
    monthly_satisfaction,
    responses_for,
)
from reports.metrics.scope import ReportScope
from reports.months import Month


@dataclass
class MonthlyReport:
    month: Month
    department: Department | None
    scope: ReportScope
    flow: Flow
    people: list[PersonFigures]
    medians: dict
    satisfaction: Satisfaction
    resolved_per_day: list[tuple]
    backlog_per_day: list[tuple]
    rules: Rules
    closed: object = None  # the month's MonthlySummary when the month is closed
    after_close: AfterClose | None = None

    @property
    def dumping(self) -> list[PersonFigures]:
        """People with any sign of dumping, the most highlighted and the most dumped first."""
        rows = [p for p in self.people if p.shows_dumping]
        return sorted(rows, key=lambda p: (-len(p.flagged), -(p.dumped_share or 0), -p.dumped))

    @property
    def highlighted(self) -> list[PersonFigures]:
        return [p for p in self.dumping if p.is_flagged]

    def definitions(self) -> dict[str, str]:
        return definitions(self.rules)


def report_tiers() -> list[Tier]:
    return list(Tier.objects.select_related("department").order_by("department__name", "level"))


def monthly_report(
    month: Month,
    department: Department | None = None,
    *,
    comment_limit: int | None = 100,
    live: bool = False,
) -> MonthlyReport:
    """Every figure of the dashboard for ``month``, optionally limited to one department.

    A closed month (its summary went out) reads as it stood at the close, unless ``live``.
    """
    with transaction.atomic(using=DEFAULT_DB_ALIAS):
        _without_jit()
        close = None if live else closed_month(month)
        scope = ReportScope(
            month,
            department.pk if department else None,
            Rules.from_settings(),
            as_of=close.sent_at if close else None,
        )
        report = _build(scope, department, comment_limit)
        if close is not None:
            report.closed = close
            report.after_close = after_close(report, replace(scope, as_of=None))
            report.after_close.differs = snapshot_differs(report, close.figures)
        return report


def _without_jit() -> None:
    """Switch PostgreSQL's JIT compiler off for this report's transaction only.

    The planner's cost estimate for the correlated subqueries is high enough to trigger JIT,
    which then spends ~0.5 s compiling queries that run in tens of milliseconds (measured
    with bench/dashboard.py). SET LOCAL ends with the transaction.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            # The month's aggregates sort and hash tens of thousands of rows; the default
            # 4 MB spills them to disk. Bounded by this transaction too.
            cursor.execute("SET LOCAL work_mem = '64MB'")


def _build(scope: ReportScope, department, comment_limit) -> MonthlyReport:
    tiers = report_tiers()
    tiers_by_id = {t.pk: t for t in tiers}
    # Read once, used three times: the tiers', the people's and the days' resolutions.
    resolutions = daily.resolutions_by_person_and_day(scope)
    flow = monthly_flow(scope, tiers, daily.by_tier(resolutions))
    groups = answer_groups(scope)
    # A person's row counts the answers of every ticket they held, wherever it was resolved.
    everywhere = replace(scope, department_id=None)
    people = people_figures(
        scope,
        tiers_by_id,
        resolutions=daily.by_person(resolutions),
        answers=answers_per_person(groups),
        answered=responses_for(everywhere),
    )
    names = {
        "department": {t.department_id: t.department.name for t in tiers},
        "tier": {t.pk: f"{t.department.name} · {t.name}" for t in tiers},
        "person": {p.user_id: _person(p.user) for p in people},
    }
    satisfaction = monthly_satisfaction(scope, names, comment_limit=comment_limit, groups=groups)
    return MonthlyReport(
        month=scope.month,
        department=department,
        scope=scope,
        flow=flow,
        people=people,
        medians=tier_medians(people, scope.rules),
        satisfaction=satisfaction,
        resolved_per_day=daily.resolved_per_day(scope, resolutions),
        backlog_per_day=daily.backlog_per_day(scope),
        rules=scope.rules,
    )


def _person(user) -> str:
    return (user.get_full_name() or user.username) if user else str(_("(unknown)"))
