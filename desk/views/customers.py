"""A customer's whole story across every department: their tickets, the questions asked
about them and the answers, what they said in surveys, and links into other systems."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.http import bad_parameter
from referrals.queries import referrals_of_tickets
from reports.models import Reason, SurveyResponse
from tickets.bounded import InvalidCursor, page_after, page_size
from tickets.errors import CustomerNotFound
from tickets.queries import access_customer, open_tickets_of_customer_count, tickets_of_customer
from tickets.views.common import mark_openable
from tickets.views.ticket_page import customer_links


def survey_answers(customer_id: int) -> list:
    """The customer's latest satisfaction answers, newest first, each with ``reason_labels``."""
    answers = list(
        SurveyResponse.objects.filter(ticket__customer_id=customer_id).order_by(
            "-answered_at", "-id"
        )[: page_size()]
    )
    labels = dict(Reason.choices)
    for answer in answers:
        answer.reason_labels = [str(labels[value]) for value in answer.reasons]
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
    except CustomerNotFound as exc:
        raise Http404(exc.message) from exc
    # A page of tickets at a time, newest first: a customer who calls every week has hundreds.
    try:
        page = page_after(tickets_of_customer(customer.pk).select_related("category"),
                          "opened_at", request.GET.get("cursor"), descending=True)
    except InvalidCursor as exc:
        return bad_parameter("cursor", exc.message)
    tickets = mark_openable(user, page.rows)
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
            "list": page,
            "open_count": open_tickets_of_customer_count(customer.pk),
            "answers": answers,
            "links": customer_links(customer),
        },
    )
