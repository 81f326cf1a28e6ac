"""Every table of the dashboard as plain rows: what the CSV downloads and the API share."""

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from core.display import person
from reports.metrics import MonthlyReport
from reports.metrics.definitions import FIGURES
from reports.metrics.flow import FlowFigures
from reports.metrics.people import DUMPING_SIGNS


def _share(value) -> str:
    return "" if value is None else f"{value * 100:.1f}"


def _maybe(value) -> object:
    return "" if value is None else value


def _label(key: str):
    return FIGURES[key].label


def _in_percent(key: str):
    """A figure's column heading with its unit, e.g. "Within time (%)"."""
    return format_lazy(_("{label} (%)"), label=_label(key))


def _in_seconds(key: str):
    """A figure's column heading with its unit, e.g. "Median to resolve (s)"."""
    return format_lazy(_("{label} (s)"), label=_label(key))


FLOW_HEADER = [
    _("Scope"),
    _("Department"),
    _("Tier"),
    _label("opened"),
    _label("resolved"),
    _("Resolved within time"),
    _in_percent("within_share"),
    _in_seconds("median"),
    _in_seconds("p90"),
    _label("passed_up"),
    _label("escalated"),
    _label("breached"),
    _label("unowned_timeouts"),
    _label("backlog"),
    _label("first_call"),
    _("Came back (tickets)"),
    _in_percent("came_back_rate"),
]


def _flow_cells(scope, department, tier, f: FlowFigures) -> list:
    return [
        scope,
        department,
        tier,
        f.opened,
        f.resolved,
        f.resolved_within,
        _share(f.within_share),
        _maybe(f.median_seconds),
        _maybe(f.p90_seconds),
        f.passed_up,
        f.escalated,
        f.breached,
        f.unowned_timeouts,
        f.backlog,
        f.first_call,
        f.came_back,
        _share(f.came_back_rate),
    ]


def flow_rows(report: MonthlyReport) -> list[list]:
    # With a department chosen the organisation row would only repeat that department's.
    rows = (
        []
        if report.department
        else [_flow_cells(_("organisation"), "", "", report.flow.organisation)]
    )
    for dept in report.flow.departments:
        rows.append(_flow_cells(_("department"), dept.department.name, "", dept.figures))
        for tier_flow in dept.tiers:
            rows.append(
                _flow_cells(_("tier"), dept.department.name, tier_flow.tier.name, tier_flow.figures)
            )
    return rows


PEOPLE_HEADER = [
    _("Person"),
    _("Username"),
    _("Department"),
    _("Tier"),
    _label("held"),
    _label("person_resolved"),
    _label("came_back"),
    _label("resolved_for_good"),
    _label("person_passed_up"),
    _in_seconds("median_held"),
    _label("pauses"),
    _in_seconds("paused_hours"),
    _label("pauses_past_limit"),
    _("Survey answers (resolved)"),
    _in_percent("satisfied_resolved"),
    _("Survey answers (held)"),
    _in_percent("satisfied_held"),
]


def people_rows(report: MonthlyReport) -> list[list]:
    return [
        [
            _person(p.user),
            getattr(p.user, "username", ""),
            p.tier.department.name,
            p.tier.name,
            p.held,
            p.resolved,
            p.came_back,
            p.resolved_for_good,
            p.passed_up,
            _maybe(p.median_held_seconds),
            p.pauses,
            p.paused_seconds,
            p.pauses_past_limit,
            p.responses,
            _share(p.satisfied_share),
            p.held_responses,
            _share(p.held_satisfied_share),
        ]
        for p in report.people
    ]


DUMPING_HEADER = [
    _("Person"),
    _("Username"),
    _("Department"),
    _("Tier"),
    _label("held"),
    *[_label(name) for name in DUMPING_SIGNS],
    _label("dumped"),
    _in_percent("dumped_share"),
    _("Highlighted for"),
]


def dumping_rows(report: MonthlyReport) -> list[list]:
    return [
        [
            _person(p.user),
            getattr(p.user, "username", ""),
            p.tier.department.name,
            p.tier.name,
            p.held,
            *[getattr(p, name) for name in DUMPING_SIGNS],
            p.dumped,
            _share(p.dumped_share),
            " ".join(sorted(p.flagged)),
        ]
        for p in report.dumping
    ]


SATISFACTION_HEADER = [_("Dimension"), _("Value"), _("Answers"), _("Satisfied"), _("Satisfied (%)")]


def satisfaction_rows(report: MonthlyReport) -> list[list]:
    s = report.satisfaction
    rows = [
        ["all", s.overall.label, s.overall.responses, s.overall.satisfied, _share(s.overall.share)]
    ]
    for dimension, shares in s.breakdowns.items():
        rows.extend([dimension, x.label, x.responses, x.satisfied, _share(x.share)] for x in shares)
    return rows


REASONS_HEADER = [_("Reason"), _("Label"), _("Answers naming it")]


def reasons_rows(report: MonthlyReport) -> list[list]:
    return [[value, str(label), count] for value, label, count in report.satisfaction.reasons]


COMMENTS_HEADER = [
    _("Ticket"),
    _("Department"),
    _("Rating"),
    _("Reasons"),
    _("Comment"),
    _("Answered at"),
]


def comments_rows(report: MonthlyReport) -> list[list]:
    return [
        [
            r.reference,
            r.department,
            r.rating,
            " ".join(r.reasons),
            r.comment,
            r.answered_at.isoformat(),
        ]
        for r in report.satisfaction.comments
    ]


DAILY_HEADER = [_("Day"), _label("day_resolved"), _label("day_backlog")]


def daily_rows(report: MonthlyReport) -> list[list]:
    return [
        [day.isoformat(), resolved, backlog]
        for (day, resolved), (_day, backlog) in zip(
            report.resolved_per_day, report.backlog_per_day, strict=True
        )
    ]


# slug -> (title, header, rows); the CSV view and the page's download links use these.
TABLES = {
    "flow": (_("Tickets by department and tier"), FLOW_HEADER, flow_rows),
    "people": (_("Per person"), PEOPLE_HEADER, people_rows),
    "dumping": (_("Dumping report"), DUMPING_HEADER, dumping_rows),
    "satisfaction": (_("Satisfaction"), SATISFACTION_HEADER, satisfaction_rows),
    "reasons": (_("What made the difference"), REASONS_HEADER, reasons_rows),
    "comments": (_("Comments"), COMMENTS_HEADER, comments_rows),
    "daily": (_("Day by day"), DAILY_HEADER, daily_rows),
}


def _person(user) -> str:
    return person(user) if user else ""
