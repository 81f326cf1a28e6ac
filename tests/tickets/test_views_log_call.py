"""Logging a call while the customer is on the line."""

import pytest
from django.urls import reverse

from tests.factories import CategoryFactory, CustomerFactory, open_ticket
from tickets import actions
from tickets.models import Customer, HandoffKind, Status, Ticket

pytestmark = pytest.mark.django_db


def _call(**overrides):
    data = {
        "subject": "Parcel not delivered",
        "description": "Waited all day.",
        "priority": "normal",
        "channel": "phone",
    }
    data.update(overrides)
    return data


def test_log_a_call_screen_has_every_field_labelled_and_phone_preselected(client, org):
    client.force_login(org.ana)
    html = client.get(reverse("log-call")).content.decode()
    for field in (
        "caller-lookup",
        "id_name",
        "id_phone",
        "id_email",
        "id_subject",
        "id_description",
        "id_category",
        "id_priority",
        "id_channel",
        "id_resolved_on_call",
        "id_resolution",
    ):
        assert f'for="{field}"' in html, field
    assert '<option value="phone" selected>' in html
    assert 'hx-trigger="input changed delay:250ms, search"' in html


def test_lookup_by_phone_shows_the_customer_with_open_and_recent_tickets_in_every_department(
    client, org
):
    customer = CustomerFactory(name="Mara Pop", phone="+40 721 555 010")
    open_here = open_ticket(org.ana, customer=customer, subject="Broken kettle")
    in_sales = actions.do_open_ticket(
        by=org.elena, subject="Invoice copy", customer=customer, department=org.sales
    )
    old = actions.do_resolve_ticket(
        open_ticket(org.ana, customer=customer, subject="Old one"), by=org.ana, resolution="Done"
    )
    client.force_login(org.ana)
    response = client.get(reverse("caller-lookup"), {"q": "555 010"})
    html = response.content.decode()
    assert "<html" not in html
    assert "Mara Pop" in html and "Pick Mara Pop" in html
    for ticket in (open_here, in_sales, old):
        assert ticket.reference in html
    assert "Sales" in html
    # ana is not in Sales and never touched that ticket: she reads it, but it is no link.
    assert f'href="{reverse("ticket-detail", args=[in_sales.reference])}"' not in html
    assert f'href="{reverse("ticket-detail", args=[open_here.reference])}"' in html


def test_lookup_says_when_nobody_matches(client, org):
    client.force_login(org.ana)
    html = client.get(reverse("caller-lookup"), {"q": "Nobody Here"}).content.decode()
    assert "No customer matches" in html


def test_lookup_query_count_does_not_grow_with_history(client, org, django_assert_max_num_queries):
    customer = CustomerFactory(name="Busy Caller")
    for i in range(20):
        open_ticket(org.ana, customer=customer, subject=f"Problem {i}")
    client.force_login(org.ana)
    client.get(reverse("home"))
    with django_assert_max_num_queries(9):
        client.get(reverse("caller-lookup"), {"q": "Busy"})


def test_picking_a_customer_fills_the_form_with_their_history_and_clears_the_results(client, org):
    customer = CustomerFactory(name="Mara Pop")
    earlier = open_ticket(org.ana, customer=customer)
    client.force_login(org.ana)
    html = client.get(reverse("customer-block"), {"customer": customer.pk}).content.decode()
    assert f'<input type="hidden" name="customer" value="{customer.pk}">' in html
    assert f'<option value="{earlier.pk}"' in html
    assert 'id="caller-results" hx-swap-oob="innerHTML"' in html


def test_choosing_a_category_shows_its_intake_checklist(client, org):
    category = CategoryFactory(
        name="Delivery", intake_checklist="Order number\nDelivery address\n\nWhen expected"
    )
    client.force_login(org.ana)
    html = client.get(reverse("intake-checklist"), {"category": category.pk}).content.decode()
    assert "For Delivery, ask the caller:" in html
    assert html.count("<li>") == 3 and "Delivery address" in html


def test_logging_a_call_for_a_returning_customer_links_the_earlier_ticket(client, org):
    customer = CustomerFactory()
    earlier = open_ticket(org.ana, customer=customer)
    client.force_login(org.ana)
    response = client.post(
        reverse("log-call"), _call(customer=customer.pk, previous_ticket=earlier.pk)
    )
    ticket = Ticket.objects.latest("id")
    assert response.status_code == 302
    assert response["Location"] == reverse("ticket-detail", args=[ticket.reference]) + "?new=1"
    assert ticket.customer == customer and ticket.previous_ticket == earlier
    assert ticket.owner == org.ana and ticket.channel == "phone"
    page = client.get(response["Location"]).content.decode()
    assert f'<strong class="big-ref">{ticket.reference}</strong>' in page


def test_unknown_caller_is_created_with_the_ticket(client, org):
    client.force_login(org.ana)
    response = client.post(
        reverse("log-call"),
        _call(name="New Person", phone="+40 700 000 111", email="new@example.net"),
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.customer.name == "New Person" and ticket.customer.phone == "+40 700 000 111"


def test_a_call_the_action_refuses_leaves_no_customer_behind(client, org, settings):
    # With no front-line department the action refuses the ticket after the new caller
    # was created in the same transaction.
    settings.TIERDESK_FRONT_LINE_DEPARTMENT = "no-such-department"
    client.force_login(org.ana)
    response = client.post(reverse("log-call"), _call(name="Ghost", phone="123"))
    assert response.status_code == 400
    assert "no front-line department exists" in response.content.decode()
    assert not Customer.objects.filter(name="Ghost").exists()
    assert not Ticket.objects.exists()


def test_missing_subject_and_caller_are_shown_on_the_form(client, org):
    client.force_login(org.ana)
    response = client.post(reverse("log-call"), _call(subject=""))
    html = response.content.decode()
    assert response.status_code == 400
    assert "This field is required." in html
    assert "Pick the caller in the lookup, or type a new caller&#x27;s name." in html
    assert not Customer.objects.exists()


def test_earlier_ticket_of_another_customer_is_refused(client, org):
    customer, stranger = CustomerFactory(), CustomerFactory()
    open_ticket(org.ana, customer=customer)  # A customer ana may read (customers_visible_to).
    theirs = open_ticket(org.ana, customer=stranger)
    client.force_login(org.ana)
    response = client.post(
        reverse("log-call"), _call(customer=customer.pk, previous_ticket=theirs.pk)
    )
    assert response.status_code == 400
    assert "must be one of this customer" in response.content.decode()
    # The form comes back with the picked customer still chosen.
    assert (
        f'<input type="hidden" name="customer" value="{customer.pk}">' in response.content.decode()
    )


def test_resolved_on_the_call_opens_and_resolves_in_one_step(client, org):
    customer = CustomerFactory()
    open_ticket(org.ana, customer=customer)  # A customer ana may read (customers_visible_to).
    client.force_login(org.ana)
    response = client.post(
        reverse("log-call"),
        _call(
            customer=customer.pk, resolved_on_call="on", resolution="Told them the opening hours."
        ),
    )
    assert response.status_code == 302
    ticket = Ticket.objects.latest("id")
    assert ticket.status == Status.RESOLVED and ticket.resolved_on_first_call
    assert [h.kind for h in ticket.handoffs.order_by("id")] == [
        HandoffKind.OPENED,
        HandoffKind.RESOLVED,
    ]


def test_resolved_on_the_call_needs_the_resolution(client, org):
    client.force_login(org.ana)
    response = client.post(
        reverse("log-call"), _call(customer=CustomerFactory().pk, resolved_on_call="on")
    )
    assert response.status_code == 400
    assert "Say how the call was resolved." in response.content.decode()
    assert not Ticket.objects.exists()


def test_someone_off_the_front_line_is_not_offered_resolve_on_call_and_a_forged_one_is_refused(
    client, org
):
    client.force_login(org.marko)
    assert 'name="resolved_on_call"' not in client.get(reverse("log-call")).content.decode()
    response = client.post(
        reverse("log-call"),
        _call(name="Forged", phone="123", resolved_on_call="on", resolution="x"),
    )
    assert response.status_code == 403
    assert not Ticket.objects.exists() and not Customer.objects.exists()


# --- the caller's language ---------------------------------------------------------------


def test_a_new_caller_starts_in_the_agent_s_language_and_keeps_the_one_chosen(client, org):
    client.force_login(org.ana)
    form = client.get(reverse("log-call"), HTTP_ACCEPT_LANGUAGE="ro").content.decode()
    assert '<option value="ro" lang="ro" selected>' in form

    client.post(reverse("log-call"), _call(name="Ananya Iyer", phone="+91 98 7654 0103", customer_language="hi"))

    assert Customer.objects.get(name="Ananya Iyer").language == "hi"


def test_a_known_caller_s_language_is_preselected_and_can_be_corrected(client, org):
    customer = CustomerFactory(language="hr")
    client.force_login(org.ana)
    block = client.get(reverse("customer-block"), {"customer": customer.pk}, HTTP_ACCEPT_LANGUAGE="ro")
    assert '<option value="hr" lang="hr" selected>' in block.content.decode()

    client.post(reverse("log-call"), _call(customer=customer.pk, customer_language="ro"))

    customer.refresh_from_db()
    assert customer.language == "ro"
    assert Ticket.objects.get().customer == customer


def test_a_language_tierdesk_does_not_speak_is_a_form_error_and_logs_nothing(client, org):
    client.force_login(org.ana)
    response = client.post(reverse("log-call"), _call(name="X Y", phone="+40 700 000 112", customer_language="de"))
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Ticket.objects.exists() and not Customer.objects.exists()
