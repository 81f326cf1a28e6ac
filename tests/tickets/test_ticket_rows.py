"""The ticket tables' rows written in Python (``tickets/templatetags/ticket_rows.py``): what a
person reads in them, escaped, with the buttons their rules allow and no others."""

from django.template import engines
from django.test import RequestFactory

from core.display import person
from tests.factories import CustomerFactory, open_ticket
from tickets import actions
from tickets.models import Ticket
from tickets.queries import TICKET_LIST_RELATED

HOSTILE = '<script>alert("x")</script>'


def render(template: str, user, **context) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return engines["django"].from_string("{% load ticket_rows %}" + template).render(
        {"user": user, **context}, request
    )


def loaded(ticket) -> Ticket:
    return Ticket.objects.select_related(*TICKET_LIST_RELATED).get(pk=ticket.pk)


def queued(org, **fields) -> Ticket:
    ticket = open_ticket(org.ana, **fields)
    actions.do_pass_up(ticket, by=org.ana, note="Needs a specialist")
    return loaded(ticket)


def test_a_row_escapes_what_callers_and_agents_typed(org):
    ticket = loaded(open_ticket(org.ana, subject=HOSTILE, customer=CustomerFactory(name=HOSTILE)))
    html = render('{% ticket_row ticket "link subject where owner countdown" %}', org.ana, ticket=ticket)
    assert "<script>" not in html
    assert html.count("&lt;script&gt;") == 2
    assert f'href="/tickets/{ticket.reference}/"' in html
    assert "Customer service · Front line" in html
    assert html.startswith("<tr>") and html.count("<td>") == 5


def test_an_unowned_row_says_it_waits_in_the_queue(org):
    html = render('{% ticket_row ticket "owner" %}', org.andrei, ticket=queued(org))
    assert "<em>in the queue</em>" in html


def test_the_queue_offers_claim_to_members_of_the_tier_only(org):
    ticket = queued(org, subject=HOSTILE)
    for_member = render("{% queue_row ticket %}", org.marko, ticket=ticket, csrf_token="tok")
    for_outsider = render("{% queue_row ticket %}", org.ana, ticket=ticket, csrf_token="tok")
    assert f'action="/tickets/{ticket.reference}/claim/"' in for_member
    assert 'name="csrfmiddlewaretoken" value="tok"' in for_member
    assert "/claim/" not in for_outsider
    assert "<script>" not in for_member and f'id="queue-row-{ticket.pk}"' in for_member


def test_a_lead_gets_the_assign_form_listing_the_members_but_the_owner(org):
    ticket = queued(org)
    actions.do_claim_ticket(ticket, by=org.marko)
    ticket = loaded(ticket)
    html = render(
        "{% queue_row ticket is_lead=True members=members %}", org.ioana,
        ticket=ticket, members=[org.ioana, org.marko], csrf_token="tok",
    )
    assert f"Owner: {person(org.marko)}" in html
    assert f'action="/tickets/{ticket.reference}/assign/"' in html
    assert f'<option value="{org.ioana.pk}">' in html
    assert f'<option value="{org.marko.pk}">' not in html


def test_a_claims_outcome_is_said_in_the_row(org):
    html = render(
        "{% queue_row ticket message=message ok=False %}", org.marko,
        ticket=queued(org), message="Already claimed by ravi",
    )
    assert '<p class="error-text" role="status">Already claimed by ravi</p>' in html
