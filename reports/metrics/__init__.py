"""The monthly figures: one entry point, a fixed number of aggregate queries.

``monthly_report`` is what the dashboard, the CSV downloads, the API and the monthly email
all read, so every place shows the same numbers.
"""

from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.utils.translation import gettext_lazy as _

from departments.models import Department, Tier
from reports.metrics.aggregates import DumpingRules
from reports.metrics.daily import backlog_per_day, resolutions_by_person_and_day, resolved_per_day
from reports.metrics.flow import Flow, monthly_flow
from reports.metrics.people import PersonFigures, people_figures, tier_medians
from reports.metrics.satisfaction import (
    Satisfaction,
    answer_groups,
    answers_per_person,
    monthly_satisfaction,
)
from reports.months import Month

# One line per figure, shown next to it on the dashboard and in the API description.
DEFINITIONS = {
    "opened": _("Tickets opened this month (counted at the tier they entered)."),
    "resolved": _("Tickets resolved this month, at the tier where they were resolved."),
    "passed_up": _("Manual passes to the next tier this month, counted at the tier they left."),
    "escalated": _("Tickets moved up by the clock this month because their tier's time ran out."),
    "breached": _("Tickets that ran out of time at the top tier this month."),
    "within_share": _("Share of this month's resolutions made before the tier's deadline."),
    "median": _("Median time from opening to resolution of the tickets resolved this month."),
    "p90": _("90% of this month's resolved tickets were resolved within this time of opening."),
    "backlog": _("Tickets still open at the last instant of the month, at the tier they were in."),
    "first_call": _("Tickets resolved on the customer's first call (logged and solved at once)."),
    "held": _("Tickets the person owned at any moment of the month."),
    "person_resolved": _(
        "Tickets the person resolved this month (credited to whoever resolved it)."
    ),
    "person_passed_up": _("Tickets the person passed to the next tier this month."),
    "timeouts": _("Tickets escalated by the clock while the person owned them."),
    "median_held": _("Median time between receiving a ticket and passing it up."),
    "person_satisfaction": _(
        "Share satisfied (4\u20135) among survey answers for tickets they resolved."
    ),
    "quick_passes": _(
        "Passes within %(m)s minutes of receiving the ticket, or with a note under %(c)s characters."
    ),
    "bounces": _("Passes that the next tier resolved within %(b)s minutes."),
    "dumped_share": _(
        "Share of the tickets they held that left them by a quick pass, time-out or bounce."
    ),
    "highlight": _(
        "Highlighted: at least %(n)s events and at least %(f)sx the median of the same tier."
    ),
    "satisfied": _("Share of survey answers rating 4 or 5, for tickets resolved this month."),
}


@dataclass
class MonthlyReport:
    month: Month
    department: Department | None
    flow: Flow
    people: list[PersonFigures]
    medians: dict
    satisfaction: Satisfaction
    resolved_per_day: list[tuple]
    backlog_per_day: list[tuple]
    rules: DumpingRules

    @property
    def dumping(self) -> list[PersonFigures]:
        """People who dumped anything, the most flagged and the most dumped first."""
        rows = [p for p in self.people if p.quick_passes or p.timeouts or p.bounces]
        return sorted(rows, key=lambda p: (-len(p.flagged), -(p.dumped_share or 0), -p.dumped))

    def definitions(self) -> dict[str, str]:
        rules = self.rules
        values = {
            "m": int(rules.quick_pass.total_seconds() // 60),
            "c": rules.short_note_chars,
            "b": int(rules.bounce_within.total_seconds() // 60),
            "n": rules.highlight_min_events,
            "f": f"{rules.highlight_factor:g}",
        }
        return {
            key: str(text) % values if "%(" in str(text) else str(text)
            for key, text in DEFINITIONS.items()
        }


def report_tiers() -> list[Tier]:
    return list(Tier.objects.select_related("department").order_by("department__name", "level"))


def monthly_report(
    month: Month, department: Department | None = None, *, comment_limit: int = 100
) -> MonthlyReport:
    """Every figure of the dashboard for ``month``, optionally limited to one department."""
    with transaction.atomic(using=DEFAULT_DB_ALIAS):
        _without_jit()
        return _build(month, department, comment_limit)


def _without_jit() -> None:
    """Switch PostgreSQL's JIT compiler off for this report's transaction only.

    The planner's cost estimate for the correlated subqueries is high enough to trigger JIT,
    which then spends ~0.5 s compiling a query that runs in ~60 ms (measured with
    bench/dashboard.py on 100,000 tickets). SET LOCAL ends with the transaction.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            # The month's aggregates sort and hash tens of thousands of rows; the default
            # 4 MB spills them to disk. Bounded by this transaction too.
            cursor.execute("SET LOCAL work_mem = '64MB'")


def _build(month: Month, department: Department | None, comment_limit) -> MonthlyReport:
    department_id = department.pk if department else None
    rules = DumpingRules.from_settings()
    tiers = report_tiers()
    tiers_by_id = {t.pk: t for t in tiers}
    flow = monthly_flow(month, tiers, department_id)
    # Read once, used twice: the resolutions per person and day (people, daily series) and
    # the answers per combination of dimensions (people, satisfaction).
    resolutions = resolutions_by_person_and_day(month, department_id)
    groups = answer_groups(month, department_id)
    people = people_figures(
        month,
        tiers_by_id,
        department_id,
        rules,
        resolutions=resolutions,
        answers=answers_per_person(groups),
    )
    names = {
        "department": {t.department_id: t.department.name for t in tiers},
        "tier": {t.pk: f"{t.department.name} · {t.name}" for t in tiers},
        "person": {p.user_id: _person(p.user) for p in people},
    }
    satisfaction = monthly_satisfaction(
        month, names, department_id, comment_limit=comment_limit, groups=groups
    )
    resolved_days = resolved_per_day(month, department_id, resolutions)
    return MonthlyReport(
        month=month,
        department=department,
        flow=flow,
        people=people,
        medians=tier_medians(people),
        satisfaction=satisfaction,
        resolved_per_day=resolved_days,
        backlog_per_day=backlog_per_day(month, department_id, resolved_days),
        rules=rules,
    )


def _person(user) -> str:
    return (user.get_full_name() or user.username) if user else str(_("(unknown)"))
