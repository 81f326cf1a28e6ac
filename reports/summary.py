"""The monthly summary email: last month's headline figures and the top of the dumping report."""

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from core import languages
from core.display import number, percent, person
from departments.mail import languages_of_addresses
from departments.queries import manager_emails
from outbox.actions import queue_email
from outbox.rendering import render_email
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
    return percent(share)


def _hours(seconds) -> str:
    return "\u2013" if seconds is None else _("%(hours)s h") % {"hours": number(seconds / 3600, 1)}


def summary_context(report: MonthlyReport) -> dict:
    """The email's figures, with the dashboard's names for each (``FIGURES``)."""
    org = report.flow.organisation
    label = {key: str(f.label) for key, f in FIGURES.items()}
    dumping = [
        {
            "who": person(p.user) if p.user else "?",
            "department": p.tier.department.name,
            "tier": p.tier.name,
            "signs": "; ".join(
                f"{label[name]} {getattr(p, name)}" for name in DUMPING_SIGNS if getattr(p, name)
            ),
            "dumped_share": _pct(p.dumped_share),
            "flagged": p.is_flagged,
        }
        for p in report.dumping[:TOP_DUMPING]
    ]
    return {
        "month": report.month.label,
        "label": label,
        "org": org,
        "shown": {
            "within_share": _pct(org.within_share),
            "median": _hours(org.median_seconds),
            "p90": _hours(org.p90_seconds),
            "came_back_rate": _pct(org.came_back_rate),
            "satisfied": _pct(report.satisfaction.overall.share),
        },
        "answers": report.satisfaction.overall.responses,
        "dumping": dumping,
        "url": dashboard_url(report.month),
    }


def summary_email(report: MonthlyReport, *, language: str | None = None) -> tuple[str, str]:
    """The (subject, body) of the month's summary (``templates/emails/monthly_summary.txt``),
    its figures written in ``language``'s formats."""
    with translation.override(languages.or_default(language)):
        return render_email("monthly_summary", summary_context(report), language=language)


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
        raise MonthNotOver(_("%(month)s has not ended yet") % {"month": month})
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
            spoken = languages_of_addresses(recipients)
            rendered = {
                language: summary_email(report, language=language)
                for language in sorted(set(spoken.values()))
            }
            for email in recipients:
                # One message each, in their language: managers do not see each other's addresses.
                subject, body = rendered[spoken[email]]
                queue_email("monthly_summary", [email], subject, body)
    except IntegrityError:
        log.info("Monthly summary for %s was already sent; nothing to do.", month)
        return 0
    return len(recipients)
