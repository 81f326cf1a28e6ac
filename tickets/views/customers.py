"""Caller lookup while the customer is on the line, and the chosen caller's panel."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tickets.forms import LogCallForm
from tickets.models import Customer
from tickets.queries import callers_matching, tickets_of_customer
from tickets.views.common import mark_openable

MIN_LOOKUP = 2


def customer_panel_context(user, customer: Customer | None, *, selected_previous=None) -> dict:
    """What the log-a-call form shows for the chosen caller: contact, history, follow-up select."""
    if customer is None:
        return {"customer": None}
    history = mark_openable(user, tickets_of_customer(customer.pk))
    return {
        "customer": customer,
        "history": history,
        "selected_previous": selected_previous,
    }


@require_GET
@login_required
def caller_lookup(request):
    """The partial under the lookup field: matching customers with their open and recent tickets."""
    text = request.GET.get("q", "").strip()
    callers = callers_matching(text) if len(text) >= MIN_LOOKUP else []
    mark_openable(request.user, [t for c in callers for t in (*c.open_tickets, *c.recent_tickets)])
    return render(
        request,
        "tickets/partials/caller_results.html",
        {"q": text, "callers": callers, "too_short": len(text) < MIN_LOOKUP},
    )


@require_GET
@login_required
def customer_block(request):
    """The caller part of the form: the picked customer, or the fields for a new caller."""
    customer = None
    raw = request.GET.get("customer", "")
    if raw.isdigit():
        customer = Customer.objects.filter(pk=int(raw)).first()
    return render(
        request,
        "tickets/partials/customer_block.html",
        {"form": LogCallForm(), "picked": True, **customer_panel_context(request.user, customer)},
    )
