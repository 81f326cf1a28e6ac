"""Caller lookup while the customer is on the line, and the chosen caller's panel.

The customer's whole story (tickets, referrals, survey answers) is composed in ``desk``."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.http import bad_parameter, parse_id
from departments.roles import is_manager
from tickets.errors import CustomerNotFound
from tickets.forms import LogCallForm
from tickets.models import Customer
from tickets.queries import (
    access_customer,
    callers_matching,
    customers_visible_to,
    tickets_of_customer,
)
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
        "has_story": is_manager(user) or any(t.can_open for t in history),
        "selected_previous": selected_previous,
    }


@require_GET
@login_required
def caller_lookup(request):
    """The partial under the lookup field: matching customers with their open and recent tickets."""
    text = request.GET.get("q", "").strip()
    # Only customers the user may read (the customer page's rule): no names, phones or
    # ticket subjects of anyone else's customers.
    visible = customers_visible_to(request.user)
    callers = callers_matching(text, customers=visible) if len(text) >= MIN_LOOKUP else []
    mark_openable(request.user, [t for c in callers for t in (*c.open_tickets, *c.recent_tickets)])
    manager = is_manager(request.user)
    for caller in callers:
        # The customer page opens for whoever may read one of their tickets: link it then.
        caller.has_story = manager or any(
            t.can_open for t in (*caller.open_tickets, *caller.recent_tickets)
        )
    return render(
        request,
        "tickets/partials/caller_results.html",
        {"q": text, "callers": callers, "too_short": len(text) < MIN_LOOKUP},
    )


@require_GET
@login_required
def customer_block(request):
    """The caller part of the form: the picked customer, or the fields for a new caller.

    A customer the user may not read (the customer page's rule) gives the same answer as
    a missing one, the fields for a new caller, so ids cannot be probed.
    """
    customer = None
    raw = request.GET.get("customer", "")
    customer_id = parse_id(raw)
    if raw and customer_id is None:
        return bad_parameter("customer", _("Give a customer's number."))
    if customer_id is not None:
        try:
            customer = access_customer(request.user, customer_id)
        except CustomerNotFound:
            customer = None
    return render(
        request,
        "tickets/partials/customer_block.html",
        {"form": LogCallForm(), "picked": True, **customer_panel_context(request.user, customer)},
    )
