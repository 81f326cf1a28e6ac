"""The month's figures as at an instant, stored: what the dashboard, its CSVs and the API read.

Computing a month of 60,000 tickets takes more than a second, however the statements are
written: every figure counts distinct tickets over the month's whole ledger. A manager's
page must take under half a second. So a month (for the organisation, or one department)
is computed as at an instant T, with ``ReportScope.as_of = T``, which leaves out every
fact recorded at or after T; the result is stored (``ReportSnapshot``) and served while it
is younger than ``TIERDESK_REPORT_MAX_AGE_SECONDS``. The beat task
``reports.refresh_report_snapshots`` computes the ones people read again before they
expire, so nobody waits for them; a month nobody has read lately is computed on first use.

The numbers stay true: the page says "as at T", and every drill-down link carries T, so
the list behind a number is read at the same instant and holds exactly what it counted
(the ledger is append-only, so T is always reproducible). A snapshot is only used with
the rules, the close and the code it was computed with (its fingerprint), and only if its
signature checks: the stored figures are a pickle, read back only when the application's
own key signed them.
"""

import copy
import hashlib
import logging
import pickle
import time
from dataclasses import replace
from datetime import datetime, timedelta

import django
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from departments.models import Department
from reports.metrics import MonthlyReport, monthly_report
from reports.metrics.closing import closed_month
from reports.metrics.rules import Rules
from reports.metrics.satisfaction import LatestComments, responses_for
from reports.models import ReportSnapshot
from reports.months import Month, last_full_month, month_containing

logger = logging.getLogger(__name__)

# Bump when what a snapshot holds changes shape: older snapshots are then computed again.
SNAPSHOT_FORMAT = 2  # 2: the pause and off-shift figures
SIGNING_SALT = "tierdesk.reports.snapshot"
PAGE_COMMENTS = 100  # the comments a page shows; a CSV asking for all of them reads them
# The parts a snapshot holds, read before it is stored.
# Snapshots read within this long are taken again by the beat task.
KEEP_FRESH = timedelta(hours=1)
# A snapshot taken at ``now`` holds what was recorded up to and including ``now``: the cut-off
# (exclusive, like a closed month's) is the next instant the clock can show.
JUST_AFTER = timedelta(microseconds=1)
PARTS = ("flow", "people", "medians", "satisfaction", "resolved_per_day", "backlog_per_day")


def max_age() -> timedelta:
    return timedelta(seconds=getattr(settings, "TIERDESK_REPORT_MAX_AGE_SECONDS", 300))


def snapshot_key(month: Month, department: Department | None) -> str:
    return f"{month.key}:{department.pk if department else 'all'}"


def fingerprint(month: Month, rules: Rules | None = None) -> str:
    """What the figures depend on besides the ledger: the rules, the close and the code."""
    close = closed_month(month)
    parts = (
        SNAPSHOT_FORMAT,
        django.get_version(),
        repr(rules or Rules.from_settings()),
        close.sent_at.isoformat() if close else "open",
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def current_report(
    month: Month,
    department: Department | None = None,
    *,
    all_comments: bool = False,
    now: datetime | None = None,
) -> MonthlyReport:
    """The month's report from its snapshot while that is fresh, else computed (and stored).

    It holds the latest ``PAGE_COMMENTS`` comments, or with ``all_comments`` every one (the
    comments CSV), read at the report's instant.
    """
    comment_limit = None if all_comments else PAGE_COMMENTS
    now = now or timezone.now()
    age = max_age()
    if age > timedelta(0):
        row = ReportSnapshot.objects.filter(key=snapshot_key(month, department)).first()
        if row is not None and _usable(row, month, now, age):
            report = _load(row)
            if report is not None:
                _note_read(row, now, age)
                return _with_comments(report, comment_limit)
    return _with_comments(refresh(month, department, now=now, read=True), comment_limit)


def refresh(
    month: Month,
    department: Department | None = None,
    *,
    now: datetime | None = None,
    read: bool = False,
) -> MonthlyReport:
    """Compute the month as at ``now`` and store it (when snapshots are on); ``read``: for
    someone reading it now (the beat task's refreshes are not reads)."""
    now = now or timezone.now()
    started = time.perf_counter()
    report = monthly_report(
        month, department, comment_limit=PAGE_COMMENTS, as_of=now + JUST_AFTER
    )
    for part in PARTS:
        getattr(report, part)
    report.satisfaction.comments = list(report.satisfaction.comments)
    took = round((time.perf_counter() - started) * 1000)
    if max_age() > timedelta(0):
        payload = pickle.dumps(_stripped(report), protocol=pickle.HIGHEST_PROTOCOL)
        stored = {
            "month": month.first_day,
            "department": department,
            "as_at": report.as_at,
            "fingerprint": fingerprint(month, report.rules),
            "compute_ms": took,
            "payload": payload,
            "signature": _sign(payload),
        }
        if read:
            stored["read_at"] = now
        ReportSnapshot.objects.update_or_create(key=snapshot_key(month, department), defaults=stored)
    return report


def refresh_due(now: datetime | None = None) -> int:
    """Take new snapshots of the months people read lately, and of the organisation's
    current and last month; the beat task calls it more often than a snapshot expires.

    A snapshot taken less than half an interval ago is left alone, so copies of the task
    queued during an outage find little to do. Returns how many were taken.
    """
    now = now or timezone.now()
    wanted = {
        snapshot_key(m, None): (m, None)
        for m in (month_containing(now), last_full_month(now))
    }
    recently = now - KEEP_FRESH
    for row in ReportSnapshot.objects.filter(read_at__gte=recently).select_related("department"):
        wanted.setdefault(row.key, (Month(row.month.year, row.month.month), row.department))
    interval = timedelta(seconds=getattr(settings, "TIERDESK_REPORT_REFRESH_SECONDS", 240))
    fresh = {
        key: fp
        for key, fp in ReportSnapshot.objects.filter(
            key__in=wanted, as_at__gt=now - interval / 2
        ).values_list("key", "fingerprint")
    }
    taken = 0
    for key, (month, department) in wanted.items():
        if fresh.get(key) == fingerprint(month):
            continue
        refresh(month, department, now=now)
        taken += 1
    return taken


def _usable(row: ReportSnapshot, month: Month, now: datetime, age: timedelta) -> bool:
    taken = row.as_at - JUST_AFTER
    return now - age <= taken <= now and row.fingerprint == fingerprint(month)


def _load(row: ReportSnapshot) -> MonthlyReport | None:
    payload = bytes(row.payload)
    if not constant_time_compare(_sign(payload), row.signature):
        logger.warning("report snapshot %s has a bad signature; computing it again", row.key)
        return None
    try:
        report = pickle.loads(payload)  # signed with the application's key: ours
    except Exception:  # a snapshot from other code: compute it again
        logger.warning("report snapshot %s could not be read; computing it again", row.key)
        return None
    users = get_user_model().objects.in_bulk({p.user_id for p in report.people})
    for person in report.people:
        person.user = users.get(person.user_id)
    return report


def _stripped(report: MonthlyReport) -> MonthlyReport:
    """A copy to store: people without their user rows (read again when loaded)."""
    stored = copy.copy(report)
    stored.__dict__["people"] = [replace(p, user=None) for p in report.people]
    return stored


def _with_comments(report: MonthlyReport, limit: int | None) -> MonthlyReport:
    """The report with the latest ``limit`` comments (every one when None).

    A snapshot holds the page's; more than that are read at the report's instant.
    """
    stored = report.satisfaction.comments
    if limit is None or limit != len(stored):
        satisfaction = copy.copy(report.satisfaction)
        if limit is not None and (limit < len(stored) or len(stored) >= satisfaction.comment_count):
            satisfaction.comments = list(stored)[:limit]
        else:
            # All of them are read at the report's instant, even when the snapshot holds
            # all there are: the comments CSV makes the same queries for any month.
            satisfaction.comments = LatestComments(responses_for(report.scope), limit)
        report.__dict__["satisfaction"] = satisfaction
    report.comment_limit = limit
    return report


def _note_read(row: ReportSnapshot, now: datetime, age: timedelta) -> None:
    # Written at most twice per snapshot's life, not on every page view.
    if row.read_at is None or row.read_at < now - age / 2:
        ReportSnapshot.objects.filter(pk=row.pk).update(read_at=now)


def _sign(payload: bytes) -> str:
    return salted_hmac(SIGNING_SALT, payload, algorithm="sha256").hexdigest()
