"""The monthly figures: one entry point, a fixed number of aggregate queries.

``monthly_report`` is what the dashboard, the CSV downloads, the API and the monthly email
all read, so every place shows the same numbers. Each figure is defined in docs/metrics.md
and its words live in ``reports.metrics.definitions``. A department filter chooses which
rows are shown; it never changes the numbers of a row.
"""

from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from functools import cached_property

from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.utils.translation import gettext_lazy as _

from core.display import person
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


class MonthlyReport:
    """Every figure of a month (and department), each part read when it is first used.

    The page shows all of them; a CSV, the email and the API only some (the daily CSV needs
    three statements, the people's tables a dozen), so each part (``flow``, ``people``,
    ``satisfaction``, the daily series) runs its own statements the first time it is read,
    in one transaction with the report's planner settings (``_reading``). They are the same
    statements whichever part asks first, so the numbers are too.
    """

    closed = None  # the month's MonthlySummary when the month is closed
    as_at: datetime | None = None  # the instant the figures are as at (None: live)
    after_close: AfterClose | None = None

    def __init__(self, scope: ReportScope, department: Department | None, comment_limit):
        self.scope, self.department, self.comment_limit = scope, department, comment_limit
        self.month: Month = scope.month
        self.rules: Rules = scope.rules

    # --- read once, shared by several parts ------------------------------------------

    @cached_property
    def _tiers(self) -> list[Tier]:
        return report_tiers()

    @cached_property
    def _resolutions(self) -> list[dict]:
        """The tiers', the people's and the days' resolutions, read in one statement."""
        with _reading():
            return daily.resolutions_by_person_and_day(self.scope)

    @cached_property
    def _answer_groups(self) -> dict:
        """The satisfaction's and the people's answers, read in one statement."""
        with _reading():
            return answer_groups(self.scope)

    # --- the parts -------------------------------------------------------------------

    @cached_property
    def flow(self) -> Flow:
        with _reading():
            return monthly_flow(self.scope, self._tiers, daily.by_tier(self._resolutions))

    @cached_property
    def people(self) -> list[PersonFigures]:
        # A person's row counts the answers of every ticket they held, wherever it was resolved.
        everywhere = replace(self.scope, department_id=None)
        with _reading():
            return people_figures(
                self.scope,
                {t.pk: t for t in self._tiers},
                resolutions=daily.by_person(self._resolutions),
                answers=answers_per_person(self._answer_groups),
                answered=responses_for(everywhere),
            )

    @cached_property
    def medians(self) -> dict:
        return tier_medians(self.people, self.rules)

    @cached_property
    def satisfaction(self) -> Satisfaction:
        names = {
            "department": {t.department_id: t.department.name for t in self._tiers},
            "tier": {t.pk: f"{t.department.name} · {t.name}" for t in self._tiers},
            "person": {p.user_id: _person(p.user) for p in self.people},
        }
        with _reading():
            return monthly_satisfaction(
                self.scope, names, comment_limit=self.comment_limit, groups=self._answer_groups
            )

    @cached_property
    def resolved_per_day(self) -> list[tuple]:
        return daily.resolved_per_day(self.scope, self._resolutions)

    @cached_property
    def backlog_per_day(self) -> list[tuple]:
        with _reading():
            return daily.backlog_per_day(self.scope)

    # --- read from the parts ---------------------------------------------------------

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
    as_of: datetime | None = None,
) -> MonthlyReport:
    """Every figure of the dashboard for ``month``, optionally limited to one department,
    as at ``as_of`` (None: whatever the ledger holds when each part is read).

    A closed month (its summary went out) reads as it stood at the close, unless ``live``;
    then every part is read at once, to check the stored figures. What arrived after the
    close is counted up to ``as_of``.
    """
    close = None if live else closed_month(month)
    scope = ReportScope(
        month,
        department.pk if department else None,
        Rules.from_settings(),
        as_of=close.sent_at if close else as_of,
    )
    report = MonthlyReport(scope, department, comment_limit)
    report.as_at = as_of
    if close is not None:
        with _reading():
            report.closed = close
            report.after_close = after_close(report, replace(scope, as_of=as_of))
            report.after_close.differs = snapshot_differs(report, close.figures)
    return report


# Switch PostgreSQL's JIT compiler off for the report's statements. The planner's estimate
# for the correlated subqueries is high enough to trigger JIT, which then spends ~0.5 s
# compiling queries that run in tens of milliseconds (measured with bench/dashboard.py).
# The month's aggregates sort and hash tens of thousands of rows; the default 4 MB of
# work_mem spills them to disk. SET LOCAL ends with the transaction; one statement.
READING_SETTINGS = "SET LOCAL jit = off; SET LOCAL work_mem = '64MB'"


@contextmanager
def _reading():
    """Run a part's statements in one transaction with the report's planner settings.

    A part read inside another (the flow reads the resolutions) is in its transaction
    already. Inside someone else's transaction (a test's) the settings are set for that
    one; otherwise the part gets a transaction of its own.
    """
    depth = getattr(connection, "_tierdesk_reading", 0)
    if depth:
        yield
        return
    connection._tierdesk_reading = 1
    try:
        if connection.in_atomic_block:
            _set_reading_settings()
            yield
        else:
            with transaction.atomic(using=DEFAULT_DB_ALIAS):
                _set_reading_settings()
                yield
    finally:
        connection._tierdesk_reading = 0


def _set_reading_settings() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(READING_SETTINGS)


def _person(user) -> str:
    return person(user) if user else str(_("(unknown)"))
