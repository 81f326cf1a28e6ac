"""The monthly dashboard, the tickets behind each number, and the CSV downloads."""

import csv
from datetime import UTC
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core import display
from core.http import parse_id
from departments.models import Tier
from departments.roles import is_manager
from reports.access import refuse_other_departments, report_scope
from reports.forms import ReportFilterForm
from reports.metrics.closing import closed_month
from reports.metrics.definitions import FIGURES
from reports.metrics.drill import LEVELS, UnknownFigure, figure_tickets, figures_of, parse_key
from reports.metrics.people import DUMPING_SIGNS
from reports.metrics.rules import Rules
from reports.metrics.scope import ReportScope
from reports.metrics.snapshots import current_report, max_age
from reports.months import last_full_month, organisation_zone, recent_months
from reports.tables import TABLES
from reports.templatetags.reports import drill_url
from tickets.models import Ticket
from tickets.queries import TICKET_LIST_RELATED, tickets_visible_to

# Characters that make a spreadsheet treat a cell as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
DRILL_PAGE_SIZE = 50


def _filters(request):
    """Check who is looking and read month and department; return (form, month, department)."""
    departments, allow_all = report_scope(request.user)
    refuse_other_departments(request.GET.get("department"), departments)
    form = ReportFilterForm(request.GET or None, departments=departments, allow_all=allow_all)
    if request.GET and not form.is_valid():
        return form, None, None
    data = form.cleaned_data if request.GET else {}
    month = data.get("month") or last_full_month()
    department = data.get("department") if request.GET else (None if allow_all else departments[0])
    return form, month, department


def _query(month, department, as_at=None, **extra) -> str:
    params = {"month": month.key}
    if department:
        params["department"] = department.slug
    if as_at is not None:
        # In UTC with its "Z" and its colons as they are: it is in every link of the page.
        params["as_of"] = as_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return urlencode({**params, **extra}, safe=":")


@login_required
@require_GET
def dashboard(request):
    form, month, department = _filters(request)
    if month is None:
        return render(request, "reports/dashboard.html", {"form": form, "report": None}, status=400)
    report = current_report(month, department)
    # The drill-down links read the ledger at the instant the figures are as at.
    query = _query(month, department, report.as_at)
    context = {
        "form": form,
        "report": report,
        "month": month,
        "department": department,
        "months": recent_months(),
        "definitions": report.definitions(),
        "labels": {key: f.label for key, f in FIGURES.items()},
        "query": query,
        "tables": {slug: title for slug, (title, _h, _r) in TABLES.items()},
        "flow_columns": FLOW_COLUMNS,
        "people_columns": PEOPLE_COLUMNS,
        "dumping_columns": DUMPING_SIGNS,
        "dumping_definitions": (*DUMPING_SIGNS, "dumped", "dumped_share", "highlight"),
        "zone": organisation_zone(),
        "refresh_minutes": max(1, round(max_age().total_seconds() / 60)),
        **_chart_points(report, query),
    }
    return render(request, "reports/dashboard.html", context)


# The flow table's columns, in the order of reports/partials/flow_cells.html.
FLOW_COLUMNS = (
    "opened",
    "resolved",
    "within_share",
    "median",
    "p90",
    "passed_up",
    "escalated",
    "breached",
    "unowned_timeouts",
    "backlog",
    "first_call",
    "came_back_rate",
)
PEOPLE_COLUMNS = (
    "held",
    "person_resolved",
    "came_back",
    "resolved_for_good",
    "person_passed_up",
    "median_held",
    "pauses",
    "paused_hours",
    "pauses_past_limit",
    "satisfied_resolved",
    "satisfied_held",
)


def _chart_points(report, query) -> dict:
    """(label, value, drill-down url, tickets behind it) for each point of the four charts."""
    def day(d, figure, n):
        return (d.day, n, drill_url(query, "day", figure, d.isoformat()), n)

    return {
        "resolved_points": [day(d, "resolved", n) for d, n in report.resolved_per_day],
        "backlog_points": [day(d, "backlog", n) for d, n in report.backlog_per_day],
        "within_points": [
            (
                f"{t.tier.department.name[:12]} {t.tier.level}",
                _pct(t.figures.within_share),
                drill_url(query, "tier", "within_share", t.tier.pk),
                t.figures.resolved_within,
            )
            for t in report.flow.tier_rows()
        ],
        "handoff_points": [
            (
                s.label,
                _pct(s.share),
                drill_url(query, "answers", "handoffs", s.key),
                s.responses,
            )
            for s in report.satisfaction.breakdowns["handoffs"]
        ],
    }


def _pct(share):
    return None if share is None else share * 100


@login_required
@require_GET
def drill_down(request):
    """The tickets behind one number of the dashboard (level + key + figure + month)."""
    form, month, department = _filters(request)
    if month is None:
        return _drill_error(request, form, form.errors)
    level, figure = request.GET.get("level", ""), request.GET.get("figure", "")
    errors = {}
    if level not in LEVELS:
        errors["level"] = _("Choose one of: %(m)s.") % {"m": ", ".join(LEVELS)}
    elif figure not in figures_of(level):
        errors["figure"] = _("Choose one of: %(m)s.") % {"m": ", ".join(figures_of(level))}
    key = tier = None
    if not errors:
        try:
            key = parse_key(level, figure, request.GET.get("key", ""))
        except UnknownFigure:
            errors["key"] = _("This does not name a row of the report.")
    if not errors and level == "person":
        tier = _tier(request, errors)
        if key is not None and not get_user_model().objects.filter(pk=key).exists():
            errors["key"] = _("No such person.")
    if not errors and level == "tier" and not Tier.objects.filter(pk=key).exists():
        errors["key"] = _("No such tier.")
    if not errors and level == "day" and key not in month.days():
        errors["key"] = _("Give a day of %(month)s.") % {"month": month.label}
    if errors:
        return _drill_error(request, form, errors)
    as_of = _as_of(request, errors)
    if errors:
        return _drill_error(request, form, errors)
    if department and tier and tier.department_id != department.pk:
        raise Http404
    close = closed_month(month)
    if close is not None:
        # A page read before the close showed the month as at its own instant.
        as_of = min(as_of, close.sent_at) if as_of else close.sent_at
    scope = ReportScope(
        month, department.pk if department else None, Rules.from_settings(), as_of=as_of
    )
    ids = figure_tickets(scope, level, figure, key, tier.pk if tier else None)
    # Only tickets the user may open are listed (a lead's figures count tickets that have
    # since moved to other departments); the page says how many are left out.
    tickets = (
        tickets_visible_to(request.user)
        .filter(pk__in=ids)
        .select_related(*TICKET_LIST_RELATED)
        .order_by("-opened_at", "-id")
    )
    page = Paginator(tickets, DRILL_PAGE_SIZE).get_page(request.GET.get("page"))
    not_shown = (
        0
        if is_manager(request.user)
        else Ticket.objects.filter(pk__in=ids).count() - page.paginator.count
    )
    extra = {"level": level, "figure": figure, "key": request.GET.get("key", "")}
    if tier:
        extra["tier"] = tier.pk
    as_at = as_of if request.GET.get("as_of") else None
    person = get_user_model().objects.filter(pk=key).first() if level == "person" else None
    context = {
        "form": form,
        "month": month,
        "department": department,
        "title": _figure_title(level, figure, key, person, tier),
        "tier": tier,
        "page": page,
        "not_shown": not_shown,
        "closed": close,
        "as_at": as_at,
        "back": _query(month, department),
        "errors": {},
        "page_query": _query(month, department, as_at, **extra),
        "zone": organisation_zone(),
    }
    for ticket in page:
        ticket.report_url = _ticket_url(ticket)
    return render(request, "reports/drill_down.html", context)


def _drill_error(request, form, errors):
    return render(
        request, "reports/drill_down.html", {"form": form, "errors": errors}, status=400
    )


def _as_of(request, errors):
    """The instant the page's figures were as at (``as_of``), or None: the ledger as it is.

    Any past instant is a true reading of the append-only ledger, and the page's own
    instant reads exactly what its figures counted; a later one reads the ledger so far.
    """
    raw = request.GET.get("as_of")
    if raw is None:
        return None
    try:
        instant = parse_datetime(raw)
    except ValueError:
        instant = None
    if instant is None or timezone.is_naive(instant):
        errors["as_of"] = _("Give an instant with its offset, like 2026-10-31T22:00:00+00:00.")
        return None
    return instant


def _tier(request, errors):
    tier_id = parse_id(request.GET.get("tier", ""))
    if tier_id is None:
        errors["tier"] = _("Give a number.")
        return None
    tier = Tier.objects.select_related("department").filter(pk=tier_id).first()
    if tier is None:
        errors["tier"] = _("No such tier.")
    return tier


def _figure_title(level, figure, key, person, tier) -> str:
    if level == "answers":
        return _("Survey answers")
    label = FIGURES.get(_label_key(level, figure))
    name = str(label.label) if label else figure
    if person is not None:
        return f"{name} · {display.person(person)}"
    if level == "day":
        return f"{name} · {key.isoformat()}"
    return name


def _label_key(level, figure) -> str:
    if level == "person" and figure in ("resolved", "passed_up"):
        return f"person_{figure}"
    if level == "day":
        return f"day_{figure}"
    return {"responses": "answers", "held_responses": "answers"}.get(figure, figure)


def _ticket_url(ticket) -> str | None:
    try:
        return reverse("ticket-detail", args=[ticket.reference])
    except NoReverseMatch:
        return None


@login_required
@require_GET
def csv_download(request, table: str):
    """One dashboard table as CSV, for the same month and department as the page."""
    if table not in TABLES:
        raise Http404
    form, month, department = _filters(request)
    if month is None:
        return HttpResponse(
            "\n".join(f"{field}: {' '.join(errs)}" for field, errs in form.errors.items()),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    _title, header, rows = TABLES[table]
    report = current_report(month, department, all_comments=True)
    scope = department.slug if department else "all"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="tierdesk-{table}-{month.key}-{scope}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow([str(h) for h in header])
    for row in rows(report):
        writer.writerow([_safe_cell(cell) for cell in row])
    return response


def _safe_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return str(value) if not isinstance(value, (int, float)) else value
