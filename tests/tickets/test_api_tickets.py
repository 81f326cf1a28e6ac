"""The ticket endpoints of the REST API: opening, the list and its filters, one ticket, its handoffs."""


import pytest
from rest_framework.test import APIClient

from tests.factories import CategoryFactory, CustomerFactory, DepartmentFactory, open_ticket
from tests.tickets.api_helpers import TICKETS, client_for, new_customer
from tickets import actions
from tickets.models import Customer, Ticket


@pytest.fixture
def ana(org):
    return client_for(org.ana)


# --- opening ---------------------------------------------------------------------------


def test_opening_with_a_new_customer_creates_both_and_the_caller_owns_the_ticket(org, ana):
    response = ana.post(
        TICKETS,
        {"subject": "Broken kettle", "description": "Stopped heating", "customer": new_customer()},
        format="json",
    )

    assert response.status_code == 201, response.data
    body = response.json()
    assert body["subject"] == "Broken kettle"
    assert body["status"] == "open"
    assert body["department"] == "customer-service"
    assert body["tier"] == 1
    assert body["tier_name"] == "Front line"
    assert body["owner"] == "ana"
    assert body["customer"]["name"] == "Maria Pop"
    assert body["customer"]["external_reference"] == ""
    assert body["priority"] == "normal"
    assert body["channel"] == "phone"
    assert body["category"] is None
    assert body["previous_ticket"] is None
    assert body["resolved_by"] is None
    assert body["breached"] is False
    assert "resolve" in body["allowed_moves"]
    ticket = Ticket.objects.get()
    assert body["reference"] == ticket.reference
    assert list(ticket.handoffs.values_list("kind", flat=True)) == ["opened"]

def test_a_new_customer_s_language_is_kept_and_english_when_not_given(org, ana):
    spoken = ana.post(
        TICKETS, {"subject": "Kettle", "customer": new_customer(language="hr")}, format="json"
    )
    silent = ana.post(
        TICKETS, {"subject": "Kettle", "customer": new_customer(email="b@example.net")}, format="json"
    )

    assert spoken.status_code == silent.status_code == 201
    assert spoken.json()["customer"]["language"] == "hr"
    assert silent.json()["customer"]["language"] == "en"


def test_a_language_tierdesk_does_not_speak_is_a_400_naming_the_field(org, ana):
    response = ana.post(
        TICKETS, {"subject": "Kettle", "customer": new_customer(language="klingon")}, format="json"
    )

    assert response.status_code == 400
    assert "language" in str(response.json())
    assert not Customer.objects.exists()


def test_opening_for_an_existing_customer_by_id_creates_no_customer(org, ana):
    customer = CustomerFactory()

    response = ana.post(
        TICKETS, {"subject": "Invoice twice", "customer": customer.pk}, format="json"
    )

    assert response.status_code == 201, response.data
    assert response.json()["customer"]["id"] == customer.pk
    assert Customer.objects.count() == 1


def test_opening_in_a_named_department_with_category_priority_and_channel(org, ana):
    CategoryFactory(slug="billing", name="Billing")

    response = ana.post(
        TICKETS,
        {
            "subject": "Discount question",
            "customer": new_customer(),
            "department": "sales",
            "category": "billing",
            "priority": "high",
            "channel": "email",
        },
        format="json",
    )

    assert response.status_code == 201, response.data
    body = response.json()
    assert (body["department"], body["tier"], body["owner"]) == ("sales", 1, None)
    assert (body["category"], body["priority"], body["channel"]) == ("billing", "high", "email")


def test_a_returning_customer_gets_a_new_ticket_linked_to_the_earlier_one(org, ana):
    earlier = open_ticket(org.ana)
    actions.do_resolve_ticket(earlier, by=org.ana, resolution="Refunded")

    response = ana.post(
        TICKETS,
        {"subject": "Again", "customer": earlier.customer_id, "previous_ticket": earlier.reference},
        format="json",
    )

    assert response.status_code == 201, response.data
    assert response.json()["previous_ticket"] == earlier.reference
    assert Ticket.objects.get(pk=Ticket.objects.latest("id").pk).previous_ticket_id == earlier.pk


def test_the_earlier_ticket_must_belong_to_the_same_customer(org, ana):
    earlier = open_ticket(org.ana)
    other = CustomerFactory()

    for customer in (other.pk, new_customer()):
        response = ana.post(
            TICKETS,
            {"subject": "Again", "customer": customer, "previous_ticket": earlier.reference},
            format="json",
        )
        assert response.status_code == 400
        assert "previous_ticket" in response.json()
    assert Ticket.objects.count() == 1
    assert Customer.objects.count() == 2


def test_an_earlier_ticket_out_of_sight_reads_like_a_missing_one(org, ana):
    hidden = open_ticket(org.elena, department=org.sales)

    for reference in (hidden.reference, "T-999999", "nonsense"):
        response = ana.post(
            TICKETS,
            {"subject": "Again", "customer": hidden.customer_id, "previous_ticket": reference},
            format="json",
        )
        assert response.status_code == 400
        assert response.json() == {"previous_ticket": ["No such ticket."]}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"customer": {"name": "X", "phone": "1"}}, "subject"),
        ({"subject": "", "customer": {"name": "X", "phone": "1"}}, "subject"),
        ({"subject": "x" * 201, "customer": {"name": "X", "phone": "1"}}, "subject"),
        ({"subject": "Hi\x00there", "customer": {"name": "X", "phone": "1"}}, "subject"),
        ({"subject": ["a"], "customer": {"name": "X", "phone": "1"}}, "subject"),
        ({"subject": "Hi"}, "customer"),
        ({"subject": "Hi", "customer": None}, "customer"),
        ({"subject": "Hi", "customer": "12"}, "customer"),
        ({"subject": "Hi", "customer": True}, "customer"),
        ({"subject": "Hi", "customer": 1.5}, "customer"),
        ({"subject": "Hi", "customer": -1}, "customer"),
        ({"subject": "Hi", "customer": 0}, "customer"),
        ({"subject": "Hi", "customer": 2**63}, "customer"),
        ({"subject": "Hi", "customer": 10**40}, "customer"),
        ({"subject": "Hi", "customer": 987654}, "customer"),
        ({"subject": "Hi", "customer": {"phone": "1"}}, "customer"),
        ({"subject": "Hi", "customer": {"name": "Nobody to call"}}, "customer"),
        ({"subject": "Hi", "customer": {"name": "X", "email": "not-an-email"}}, "customer"),
        ({"subject": "Hi", "customer": {"name": "X\x00", "phone": "1"}}, "customer"),
        (
            {"subject": "Hi", "customer": {"name": "X", "phone": "1"}, "department": "nowhere"},
            "department",
        ),
        (
            {"subject": "Hi", "customer": {"name": "X", "phone": "1"}, "department": ["sales"]},
            "department",
        ),
        (
            {"subject": "Hi", "customer": {"name": "X", "phone": "1"}, "department": "a\x00"},
            "department",
        ),
        (
            {"subject": "Hi", "customer": {"name": "X", "phone": "1"}, "category": "unknown"},
            "category",
        ),
        (
            {"subject": "Hi", "customer": {"name": "X", "phone": "1"}, "priority": "whenever"},
            "priority",
        ),
        (
            {"subject": "Hi", "customer": {"name": "X", "phone": "1"}, "channel": "pigeon"},
            "channel",
        ),
        (
            {"subject": "Hi", "customer": {"name": "X", "phone": "1"}, "previous_ticket": 5},
            "previous_ticket",
        ),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_created(org, ana, body, field):
    response = ana.post(TICKETS, body, format="json")

    assert response.status_code == 400, response.data
    assert field in response.json()
    assert Ticket.objects.count() == 0
    assert Customer.objects.count() == 0


def test_malformed_json_and_a_body_that_is_not_an_object_are_400(org, ana):
    broken = ana.post(TICKETS, data='{"subject": ', content_type="application/json")
    a_list = ana.post(TICKETS, data="[1, 2]", content_type="application/json")
    a_null = ana.post(TICKETS, data="null", content_type="application/json")

    assert broken.status_code == 400
    assert broken.json()["code"] == "parse_error"
    assert a_list.status_code == 400
    assert a_null.status_code == 400
    assert Ticket.objects.count() == 0


def test_a_form_encoded_body_is_refused_with_415(org, ana):
    response = ana.post(TICKETS, {"subject": "Hi"}, format="multipart")

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_a_body_over_the_upload_limit_is_a_413_in_json(org, ana):
    body = '{"subject": "Hi", "description": "' + "x" * 3_000_000 + '"}'

    response = ana.post(TICKETS, data=body, content_type="application/json")

    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert Ticket.objects.count() == 0


def test_unknown_fields_are_ignored(org, ana):
    response = ana.post(
        TICKETS,
        {
            "subject": "Hi",
            "customer": new_customer(),
            "owner": "priya",
            "status": "resolved",
            "x": 1,
        },
        format="json",
    )

    assert response.status_code == 201
    assert (response.json()["owner"], response.json()["status"]) == ("ana", "open")


def test_a_refused_open_leaves_no_customer_behind(org, ana):
    DepartmentFactory(slug="empty", name="No tiers yet")

    response = ana.post(
        TICKETS, {"subject": "Hi", "customer": new_customer(), "department": "empty"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["department"] == ["This department has no tiers yet."]
    assert Customer.objects.count() == 0
    assert Ticket.objects.count() == 0


def test_opening_needs_authentication(org):
    response = APIClient().post(
        TICKETS, {"subject": "Hi", "customer": new_customer()}, format="json"
    )

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert Customer.objects.count() == 0
