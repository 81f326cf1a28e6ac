"""The monthly summary email: last month's headline figures and the top of the dumping report."""

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from reports.metrics import MonthlyReport, monthly_report
from reports.models import MonthlySummary
from reports.months import Month
from tickets.notifications import manager_emails
from tickets.outbox import queue_email

log = logging.getLogger(__name__)
TOP_DUMPING = 5


def dashboard_url(month: Month) -> str:
    try:
        path = reverse("reports-dashboard")
    except NoReverseMatch:
        path = "/reports/"
    return f"{settings.TIERDESK_BASE_URL.rstrip('/')}{path}?{urlencode({'month': month.key})}"


def _pct(share) -> str:
    return "\u2013" if share is None else f"{share * 100:.1f}%"


def _hours(seconds) -> str:
    return "\u2013" if seconds is None else f"{seconds / 3600:.1f} h"


def summary_body(report: MonthlyReport) -> str:
    org = report.flow.organisation
    lines = [
        _("Tierdesk summary for %(month)s") % {"month": report.month.label},
        "",
        _("Opened: %(n)d") % {"n": org.opened},
        _("Resolved: %(n)d (within the tier's time: %(p)s)")
        % {"n": org.resolved, "p": _pct(org.within_share)},
        _("Median time to resolve: %(m)s; 90th percentile: %(p)s")
        % {"m": _hours(org.median_seconds), "p": _hours(org.p90_seconds)},
        _("Passed up: %(p)d; escalated by the clock: %(e)d; breached at the top: %(b)d")
        % {"p": org.passed_up, "e": org.escalated, "b": org.breached},
        _("Open at month end: %(n)d") % {"n": org.backlog},
        _("Satisfied customers: %(p)s of %(n)d answers")
        % {
            "p": _pct(report.satisfaction.overall.share),
            "n": report.satisfaction.overall.responses,
        },
        "",
        _("Top of the dumping report:"),
    ]
    top = report.dumping[:TOP_DUMPING]
    for p in top:
        who = (p.user.get_full_name() or p.user.username) if p.user else "?"
        flag = _(" (well above the tier)") if p.is_flagged else ""
        lines.append(
            _(
                "- %(who)s, %(tier)s: %(q)d quick passes, %(t)d timed out, %(b)d bounces, %(s)s dumped%(flag)s"
            )
            % {
                "who": who,
                "tier": f"{p.tier.department.name} · {p.tier.name}",
                "q": p.quick_passes,
                "t": p.timeouts,
                "b": p.bounces,
                "s": _pct(p.dumped_share),
                "flag": flag,
            }
        )
    if not top:
        lines.append(_("- nobody dumped a ticket."))
    lines += ["", _("The whole report: %(url)s") % {"url": dashboard_url(report.month)}]
    return "\n".join(lines)


def send_monthly_summary(month: Month) -> int:
    """Queue the month's summary to every manager, once per month; return emails queued.

    The MonthlySummary row and the outbox rows commit together: a second run (a doubled
    beat, a retried task, a second worker) hits the unique month and queues nothing.
    """
    recipients = sorted(set(manager_emails()))
    try:
        with transaction.atomic():
            MonthlySummary.objects.create(month=month.first_day, recipients=len(recipients))
            report = monthly_report(month, comment_limit=0)
            subject = _("Tierdesk: %(month)s in figures") % {"month": report.month.label}
            body = summary_body(report)
            for email in recipients:
                # One message each: managers do not see each other's addresses.
                queue_email("monthly_summary", [email], subject, body)
    except IntegrityError:
        log.info("Monthly summary for %s was already sent; nothing to do.", month)
        return 0
    return len(recipients)
