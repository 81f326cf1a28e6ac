"""The customer's whole story: every ticket in every department, the questions asked about
them and their answers, what the customer said in surveys, and links into other systems."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from departments.models import CustomerLinkTemplate, Department
from referrals.actions import do_answer_referral, do_refer_ticket
from reports.models import SurveyResponse
from tests.factories import (
    CustomerFactory,
    MembershipFactory,
    TierFactory,
    UserFactory,
    open_ticket,
)
from tickets import actions

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(org):
    intake = Department.objects.create(slug="order-intake", name="Order intake")
    vikram = UserFactory(username="vikram")
    MembershipFactory(user=vikram, tier=TierFactory(department=intake, level=1, name="Order desk"))
    customer = CustomerFactory(name="Mara Pop", external_reference="C-77 01")
    kettle = open_ticket(org.ana, customer=customer, subject="Kettle leaks")
    referral = do_refer_ticket(
        kettle, by=org.ana, department=intake, question="Is the kettle still sold?"
    )
    do_answer_referral(referral, by=vikram, answer="No; the K2 replaces it.")
    actions.do_resolve_ticket(kettle, by=org.ana, resolution="Sent a K2.")
    SurveyResponse.objects.create(
        ticket=kettle, rating=5, reason_fast=True, comment="Quick and kind."
    )
    invoice = actions.do_open_ticket(
        by=org.elena, subject="Invoice twice", customer=customer, department=org.sales
    )
    SurveyResponse.objects.create(
        ticket=actions.do_resolve_ticket(invoice, by=org.elena, resolution="Refunded."),
        rating=2,
        comment="Sales secret remark",
    )
    CustomerLinkTemplate.objects.create(
        department=intake,
        label="Orders",
        url_template="https://orders.example.com/customers/{external_id}",
    )
    return {"customer": customer, "kettle": kettle, "invoice": invoice}


def page(client, customer):
    return client.get(reverse("customer-detail", args=[customer.pk]))


def test_the_customer_page_tells_every_ticket_referral_answer_survey_and_external_link(
    client, org, story
):
    client.force_login(org.ana)

    response = page(client, story["customer"])

    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "Mara Pop",
        "Kettle leaks",
        "Invoice twice",
        "Sales",
        "Asked Order intake",
        "Is the kettle still sold?",
        "Order intake (Vikram) answered",
        "No; the K2 replaces it.",
        "5 of 5",
        "Quick and kind.",
        "2 of 5",
        'href="https://orders.example.com/customers/C-77%2001"',
        "Orders ↗",
    ):
        assert text in html, text
    assert "fast" in html.lower()


def test_tickets_out_of_sight_are_listed_without_a_link_and_without_their_details(
    client, org, story
):
    client.force_login(org.ana)

    html = page(client, story["customer"]).content.decode()

    assert f'href="{reverse("ticket-detail", args=[story["kettle"].reference])}"' in html
    assert story["invoice"].reference in html
    assert f'href="{reverse("ticket-detail", args=[story["invoice"].reference])}"' not in html
    assert "Refunded." not in html and "Sales secret remark" not in html


def test_the_customer_page_is_a_404_for_staff_who_see_none_of_the_customers_tickets(
    client, org, story
):
    loner = CustomerFactory(name="No tickets")
    client.force_login(org.outsider)
    assert page(client, story["customer"]).status_code == 404
    client.force_login(org.elena)
    assert page(client, loner).status_code == 404
    assert client.get("/customers/999999999/").status_code == 404
    client.force_login(org.ana)  # the front line recognises every caller
    assert page(client, loner).status_code == 200
    client.force_login(org.andrei)  # managers read every customer
    assert page(client, loner).status_code == 200
    assert "Kettle leaks" in page(client, story["customer"]).content.decode()


def test_no_external_links_without_an_external_reference(client, org, story):
    plain = CustomerFactory(name="Plain", external_reference="")
    open_ticket(org.ana, customer=plain)
    client.force_login(org.ana)
    assert "orders.example.com" not in page(client, plain).content.decode()


def test_the_ticket_page_and_the_caller_lookup_link_to_the_customer_page(client, org, story):
    ticket = open_ticket(org.ana, customer=story["customer"], subject="Again")
    client.force_login(org.ana)
    link = reverse("customer-detail", args=[story["customer"].pk])

    ticket_html = client.get(reverse("ticket-detail", args=[ticket.reference])).content.decode()
    lookup_html = client.get(reverse("caller-lookup"), {"q": "Mara"}).content.decode()

    assert (
        f'href="{link}"' in ticket_html and "orders.example.com/customers/C-77%2001" in ticket_html
    )
    assert f'href="{link}"' in lookup_html


def test_the_customer_page_costs_the_same_queries_for_3_and_30_tickets(client, org):
    intake = Department.objects.create(slug="order-intake", name="Order intake")
    TierFactory(department=intake, level=1)
    customer = CustomerFactory(external_reference="C-1")
    CustomerLinkTemplate.objects.create(
        department=intake, label="Orders", url_template="https://o.example/{external_id}"
    )
    client.force_login(org.ana)
    counts = []
    for n in (3, 30):
        while customer.tickets.count() < n:
            ticket = open_ticket(org.ana, customer=customer)
            do_refer_ticket(ticket, by=org.ana, department=intake, question="Stock?")
            resolved = actions.do_resolve_ticket(ticket, by=org.ana, resolution="Done.")
            SurveyResponse.objects.create(ticket=resolved, rating=4)
        with CaptureQueriesContext(connection) as queries:
            assert page(client, customer).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
