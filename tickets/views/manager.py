"""The managers' view of every open ticket in the organisation, filtered and paginated."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from core.http import forbidden
from departments.roles import is_manager
from tickets.forms import TicketFilterForm
from tickets.models import Status
from tickets.queries import search_open_tickets, ticket_list

PAGE_SIZE = 50


def filtered_open_tickets(user, data: dict):
    tickets = ticket_list(user).filter(status=Status.OPEN)
    if data.get("department"):
        tickets = tickets.filter(department=data["department"])
    if data.get("tier"):
        tickets = tickets.filter(tier=data["tier"])
    owner = data.get("owner")
    if owner == "none":
        tickets = tickets.filter(owner__isnull=True)
    elif owner:
        tickets = tickets.filter(owner_id=int(owner))
    if data.get("breached"):
        tickets = tickets.filter(breached=data["breached"] == "yes")
    now = timezone.now()
    # A ticket waiting on the customer is never overdue: its clock is stopped.
    if data.get("overdue") == "yes":
        tickets = tickets.filter(due_at__lte=now, paused_at__isnull=True)
    elif data.get("overdue") == "no":
        tickets = tickets.filter(Q(due_at__gt=now) | Q(paused_at__isnull=False))
    return search_open_tickets(tickets, data.get("q", "")).order_by("due_at", "id")


@require_GET
@login_required
def all_open_tickets(request):
    if not is_manager(request.user):
        return forbidden(request)
    form = TicketFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    page = Paginator(filtered_open_tickets(request.user, data), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "tickets/ticket_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )
