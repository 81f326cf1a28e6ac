"""Customers are read under one rule (customers_visible_to), and the report drill-down
lists only tickets the reader may open."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from tests.factories import (
    CustomerFactory,
    MembershipFactory,
    TierFactory,
    UserFactory,
    open_ticket,
)
from tickets import actions
from tickets.models import Customer, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def accountant(org):
    from departments.models import Department

    accounting = Department.objects.create(slug="accounting", name="Accounting")
    user = UserFactory(username="abby")
    MembershipFactory(user=user, tier=TierFactory(department=accounting, level=1, name="Ledger"))
    return user


@pytest.fixture
def mara(org):
    customer = CustomerFactory(name="Mara Pop", phone="+40 721 555 010", email="mara@example.net")
    open_ticket(org.ana, customer=customer, subject="Kettle leaks")
    return customer


def test_the_caller_lookup_shows_no_customer_the_user_may_not_read(client, org, accountant, mara):
    client.force_login(accountant)
    html = client.get(reverse("caller-lookup"), {"q": "Mara"}).content.decode()
    assert "Mara Pop" not in html and "mara@example.net" not in html and "Kettle" not in html
    client.force_login(org.ana)
    assert "Mara Pop" in client.get(reverse("caller-lookup"), {"q": "Mara"}).content.decode()


def test_the_customer_block_answers_alike_for_missing_and_invisible_customers(
    client, org, accountant, mara
):
    client.force_login(accountant)
    invisible = client.get(reverse("customer-block"), {"customer": mara.pk})
    missing = client.get(reverse("customer-block"), {"customer": mara.pk + 1000})
    assert invisible.status_code == missing.status_code == 200
    assert invisible.content == missing.content
    assert "Mara Pop" not in invisible.content.decode()
    client.force_login(org.ana)
    assert "Mara Pop" in client.get(reverse("customer-block"), {"customer": mara.pk}).content.decode()


def test_logging_a_call_for_an_invisible_customer_is_refused_like_a_missing_one(
    client, org, accountant, mara
):
    client.force_login(accountant)
    data = {"subject": "Hi", "priority": "normal", "channel": "phone"}
    invisible = client.post(reverse("log-call"), {**data, "customer": mara.pk})
    missing = client.post(reverse("log-call"), {**data, "customer": mara.pk + 1000})
    assert invisible.status_code == missing.status_code == 400
    assert "Mara Pop" not in invisible.content.decode()
    assert "no longer exists" in invisible.content.decode()
    assert Ticket.objects.count() == 1 and Customer.objects.count() == 1


def test_the_drill_down_leaves_out_tickets_the_lead_may_not_open_and_says_so(client, org):
    with time_machine.travel(datetime(2026, 10, 5, 8, tzinfo=UTC), tick=False):
        open_ticket(org.ana, subject="Stays here")
        moved = open_ticket(org.ana, subject="Moved to sales")
        actions.do_transfer_ticket(moved, by=org.ana, department=org.sales, note="Billing question")
    params = {"month": "2026-10", "department": "customer-service", "level": "department",
              "key": org.cs.pk, "figure": "opened"}

    client.force_login(org.andrei)
    manager = client.get(reverse("reports-drill-down"), params)
    assert manager.status_code == 200
    assert manager.context["page"].paginator.count == 2
    assert "not shown" not in manager.content.decode()

    client.force_login(org.ioana)  # lead of a customer-service tier; never touched "moved"
    lead = client.get(reverse("reports-drill-down"), params)
    assert lead.status_code == 200
    assert [t.subject for t in lead.context["page"]] == ["Stays here"]
    assert "1 ticket of other departments is not shown." in lead.content.decode()
    assert client.get(reverse("ticket-detail", args=[moved.reference])).status_code == 404


def test_the_front_line_finds_any_returning_caller_to_log_their_call(client, org, accountant):
    """Whoever takes the calls must recognise a caller, whichever department has them now."""
    from tickets.queries import customers_visible_to

    elsewhere = CustomerFactory(name="Ion Sales-Only")
    open_ticket(org.elena, customer=elsewhere, subject="Quote for 40 kettles")
    assert customers_visible_to(org.ana).filter(pk=elsewhere.pk).exists()
    assert not customers_visible_to(accountant).filter(pk=elsewhere.pk).exists()
    assert not customers_visible_to(org.elena).filter(pk=CustomerFactory().pk).exists()
