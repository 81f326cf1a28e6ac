"""The monthly dashboard, the tickets behind each figure, and the CSV downloads."""

import csv

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from departments.models import Tier
from reports.access import refuse_other_departments, report_scope
from reports.forms import ReportFilterForm
from reports.metrics import monthly_report
from reports.metrics.people import DRILL_METRICS, drill_down_ticket_ids
from reports.months import last_full_month, organisation_zone, recent_months
from reports.tables import TABLES
from tickets.models import Ticket
from tickets.queries import TICKET_LIST_RELATED

# Characters that make a spreadsheet treat a cell as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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


def _query(month, department, **extra) -> str:
    params = {"month": month.key, **extra}
    if department:
        params["department"] = department.slug
    return urlencode(params)


@login_required
@require_GET
def dashboard(request):
    form, month, department = _filters(request)
    if month is None:
        return render(request, "reports/dashboard.html", {"form": form, "report": None}, status=400)
    report = monthly_report(month, department)
    days = report.resolved_per_day
    context = {
        "form": form,
        "report": report,
        "month": month,
        "department": department,
        "months": recent_months(),
        "definitions": report.definitions(),
        "query": _query(month, department),
        "tables": {slug: title for slug, (title, _h, _r) in TABLES.items()},
        "resolved_points": [(d.day, n) for d, n in days],
        "backlog_points": [(d.day, n) for d, n in report.backlog_per_day],
        "within_points": [
            (f"{t.tier.department.name[:12]} {t.tier.level}", _pct(t.figures.within_share))
            for t in report.flow.tier_rows()
        ],
        "handoff_points": [
            (s.label, _pct(s.share)) for s in report.satisfaction.breakdowns["handoffs"]
        ],
    }
    return render(request, "reports/dashboard.html", context)


def _pct(share):
    return None if share is None else share * 100


@login_required
@require_GET
def drill_down(request):
    """The tickets behind one person's figure (person + metric + month, optionally tier)."""
    form, month, department = _filters(request)
    if month is None:
        return render(
            request, "reports/drill_down.html", {"form": form, "errors": form.errors}, status=400
        )
    metric = request.GET.get("metric", "")
    errors = {}
    if metric not in DRILL_METRICS:
        errors["metric"] = _("Choose one of: %(m)s.") % {"m": ", ".join(DRILL_METRICS)}
    person = _id_param(request, "person", errors)
    tier_id = _id_param(request, "tier", errors, required=False)
    user = get_user_model().objects.filter(pk=person).first() if person else None
    if person and user is None:
        errors["person"] = _("No such person.")
    tier = Tier.objects.select_related("department").filter(pk=tier_id).first() if tier_id else None
    if tier_id and tier is None:
        errors["tier"] = _("No such tier.")
    if errors:
        return render(
            request, "reports/drill_down.html", {"form": form, "errors": errors}, status=400
        )
    if department and tier and tier.department_id != department.pk:
        raise Http404
    ids = drill_down_ticket_ids(
        month, user.pk, tier_id, metric, department.pk if department else None
    )
    tickets = (
        Ticket.objects.filter(pk__in=ids)
        .select_related(*TICKET_LIST_RELATED)
        .order_by("-opened_at", "-id")
    )
    page = Paginator(tickets, 50).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "month": month,
        "department": department,
        "person": user,
        "tier": tier,
        "metric": metric,
        "metric_label": _metric_label(metric),
        "page": page,
        "back": _query(month, department),
        "errors": {},
        "page_query": _query(
            month, department, metric=metric, person=user.pk, **({"tier": tier.pk} if tier else {})
        ),
        "zone": organisation_zone(),
    }
    for ticket in page:
        ticket.report_url = _ticket_url(ticket)
    return render(request, "reports/drill_down.html", context)


def _id_param(request, name, errors, required=True):
    raw = request.GET.get(name, "")
    if not raw:
        if required:
            errors[name] = _("This field is required.")
        return None
    if not raw.isdigit() or len(raw) > 18:
        errors[name] = _("Give a number.")
        return None
    return int(raw)


def _metric_label(metric: str) -> str:
    return {
        "held": _("Tickets held"),
        "resolved": _("Tickets resolved"),
        "passed_up": _("Tickets passed up"),
        "quick_passes": _("Quick passes"),
        "timeouts": _("Let it time out"),
        "bounces": _("Bounces"),
        "dumped": _("Tickets dumped"),
    }.get(metric, metric)


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
    report = monthly_report(month, department, comment_limit=None)
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
