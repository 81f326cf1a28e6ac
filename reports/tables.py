"""Every table of the dashboard as plain rows: what the CSV downloads and the API share."""

from django.utils.translation import gettext_lazy as _

from reports.metrics import MonthlyReport
from reports.metrics.flow import FlowFigures


def _share(value) -> str:
    return "" if value is None else f"{value * 100:.1f}"


def _maybe(value) -> object:
    return "" if value is None else value


FLOW_HEADER = [
    _("Scope"),
    _("Department"),
    _("Tier"),
    _("Opened"),
    _("Resolved"),
    _("Passed up"),
    _("Escalated by the clock"),
    _("Breached at the top"),
    _("Resolved within time (%)"),
    _("Median time to resolve (s)"),
    _("90th percentile time to resolve (s)"),
    _("Backlog at month end"),
    _("Resolved on the first call"),
]


def _flow_cells(scope, department, tier, f: FlowFigures) -> list:
    return [
        scope,
        department,
        tier,
        f.opened,
        f.resolved,
        f.passed_up,
        f.escalated,
        f.breached,
        _share(f.within_share),
        _maybe(f.median_seconds),
        _maybe(f.p90_seconds),
        f.backlog,
        f.first_call,
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
    _("Held"),
    _("Resolved"),
    _("Passed up"),
    _("Timed out while held"),
    _("Median time held before passing (s)"),
    _("Survey answers"),
    _("Satisfied (%)"),
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
            p.passed_up,
            p.timeouts,
            _maybe(p.median_held_seconds),
            p.responses,
            _share(p.satisfied_share),
        ]
        for p in report.people
    ]


DUMPING_HEADER = [
    _("Person"),
    _("Username"),
    _("Department"),
    _("Tier"),
    _("Held"),
    _("Quick passes"),
    _("Let it time out"),
    _("Bounces"),
    _("Tickets dumped"),
    _("Share dumped (%)"),
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
            p.quick_passes,
            p.timeouts,
            p.bounces,
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
            r.ticket.reference,
            r.ticket.department.name,
            r.rating,
            " ".join(r.reasons),
            r.comment,
            r.answered_at.isoformat(),
        ]
        for r in report.satisfaction.comments
    ]


DAILY_HEADER = [_("Day"), _("Resolved"), _("Backlog at end of day")]


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
    return (user.get_full_name() or user.username) if user else ""
