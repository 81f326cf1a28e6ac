"""The monthly summary email: last month's headline figures and the top of the dumping report."""

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from departments.queries import manager_emails
from outbox.actions import queue_email
from reports.metrics import MonthlyReport, monthly_report
from reports.metrics.closing import snapshot
from reports.metrics.definitions import FIGURES
from reports.metrics.people import DUMPING_SIGNS
from reports.models import MonthlySummary
from reports.months import Month

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
    """The email's text, with the dashboard's names for each figure (``FIGURES``)."""
    org = report.flow.organisation
    label = {key: str(f.label) for key, f in FIGURES.items()}
    lines = [
        _("Tierdesk summary for %(month)s") % {"month": report.month.label},
        _("Every number counts distinct tickets; docs/metrics.md and the dashboard define each."),
        "",
        f"{label['opened']}: {org.opened}",
        f"{label['resolved']}: {org.resolved} ({label['within_share']}: {_pct(org.within_share)})",
        f"{label['median']}: {_hours(org.median_seconds)}; {label['p90']}: {_hours(org.p90_seconds)}",
        f"{label['passed_up']}: {org.passed_up}; {label['escalated']}: {org.escalated};"
        f" {label['breached']}: {org.breached}; {label['unowned_timeouts']}: {org.unowned_timeouts}",
        f"{label['backlog']}: {org.backlog}",
        f"{label['came_back_rate']}: {_pct(org.came_back_rate)} ({org.came_back})",
        _("%(label)s: %(p)s of %(n)d answers")
        % {
            "label": label["satisfied"],
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
        signs = "; ".join(
            f"{label[name]} {getattr(p, name)}" for name in DUMPING_SIGNS if getattr(p, name)
        )
        lines.append(
            f"- {who}, {p.tier.department.name} · {p.tier.name}: {signs};"
            f" {label['dumped_share']} {_pct(p.dumped_share)}{flag}"
        )
    if not top:
        lines.append(_("- nobody dumped a ticket."))
    lines += ["", _("The whole report: %(url)s") % {"url": dashboard_url(report.month)}]
    return "\n".join(lines)


class MonthNotOver(ValueError):
    """A month's summary can only be sent once the month has ended."""


def send_monthly_summary(month: Month, *, now=None) -> int:
    """Close the month: store its figures and queue its summary to every manager, once.

    The MonthlySummary row (with the figures as they stand at ``now``) and the outbox rows
    commit together: a second run (a doubled beat, a retried task, a second worker) hits
    the unique month and queues nothing. Returns the number of emails queued.
    """
    now = now or timezone.now()
    if now < month.end:
        raise MonthNotOver(f"{month} has not ended yet")
    recipients = sorted(set(manager_emails()))
    try:
        with transaction.atomic():
            summary = MonthlySummary.objects.create(
                month=month.first_day, recipients=len(recipients), sent_at=now
            )
            # Read as of the close just recorded: the same figures the page will show.
            report = monthly_report(month, comment_limit=0)
            summary.figures = snapshot(report)
            summary.save(update_fields=["figures"])
            subject = _("Tierdesk: %(month)s in figures") % {"month": report.month.label}
            body = summary_body(report)
            for email in recipients:
                # One message each: managers do not see each other's addresses.
                queue_email("monthly_summary", [email], subject, body)
    except IntegrityError:
        log.info("Monthly summary for %s was already sent; nothing to do.", month)
        return 0
    return len(recipients)
