"""Caller lookup while the customer is on the line, the chosen caller's panel, and the
customer's whole story across every department."""

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from departments.roles import is_manager
from tickets.errors import TicketNotFound
from tickets.forms import LogCallForm
from tickets.models import Customer
from tickets.queries import (
    access_customer,
    callers_matching,
    customers_visible_to,
    referrals_of_tickets,
    tickets_of_customer,
)
from tickets.views.common import bad_parameter, mark_openable, parse_id
from tickets.views.ticket_page import customer_links

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
        except TicketNotFound:
            customer = None
    return render(
        request,
        "tickets/partials/customer_block.html",
        {"form": LogCallForm(), "picked": True, **customer_panel_context(request.user, customer)},
    )


def survey_answers(customer_id: int) -> list:
    """The customer's satisfaction answers, newest first, each with ``reason_labels``.

    Surveys belong to the reports app, which sits above tickets: read by name through the
    app registry, never imported, and nothing at all when reports is not installed.
    """
    if not apps.is_installed("reports"):
        return []
    response_model = apps.get_model("reports", "SurveyResponse")
    reason_fields = [f for f in response_model._meta.get_fields() if f.name.startswith("reason_")]
    answers = list(
        response_model.objects.filter(ticket__customer_id=customer_id).order_by(
            "-answered_at", "-id"
        )
    )
    for answer in answers:
        answer.reason_labels = [
            str(f.verbose_name) for f in reason_fields if getattr(answer, f.name)
        ]
    return answers


@require_GET
@login_required
def customer_detail(request, customer_id):
    """Every ticket of the customer in every department, the questions asked about them and
    the answers, what the customer said in surveys, and links into other systems.

    Open to managers and to whoever may read at least one of the customer's tickets; the
    tickets the user may not read are listed (the customer is served as one person) but
    not linked, and their referrals are not shown.
    """
    user = request.user
    try:
        customer = access_customer(user, customer_id)
    except TicketNotFound as exc:
        raise Http404(exc.message) from exc
    tickets = mark_openable(user, tickets_of_customer(customer.pk).select_related("category"))
    readable = [t.pk for t in tickets if t.can_open]
    by_ticket: dict[int, list] = {}
    for referral in referrals_of_tickets(readable):
        by_ticket.setdefault(referral.ticket_id, []).append(referral)
    for ticket in tickets:
        ticket.referral_list = by_ticket.get(ticket.pk, [])
    answers = survey_answers(customer.pk)
    readable_set = set(readable)
    for answer in answers:
        answer.can_open = answer.ticket_id in readable_set
    return render(
        request,
        "customers/customer_detail.html",
        {
            "customer": customer,
            "tickets": tickets,
            "open_count": sum(1 for t in tickets if t.is_open),
            "answers": answers,
            "links": customer_links(customer),
        },
    )
