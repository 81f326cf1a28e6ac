"""Hostile input (NUL bytes, Unicode digits, deeply nested JSON) is a 400 with a message,
never a 500, and changes nothing."""

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from core.api.parsers import json_depth
from departments.models import Bulletin
from tests.factories import open_ticket
from tickets.models import Customer, Handoff, Ticket

pytestmark = pytest.mark.django_db


def _counts():
    return (Ticket.objects.count(), Handoff.objects.count(), Customer.objects.count(),
            Bulletin.objects.count())


@pytest.fixture
def manager(org):
    open_ticket(org.ana)
    client = Client(raise_request_exception=False)
    client.force_login(org.andrei)
    return client


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/call/callers/?q=ab%00cd", "q"),
        ("/bulletins/?department=%00", "department"),
        ("/reports/?department=%00", "department"),
        ("/reports/csv/flow/?department=%00", "department"),
        ("/tickets/T-000001/?ask=%00", "ask"),
        ("/directory/?q=%00", "q"),
        ("/bulletins/new/?department=%00", "department"),
    ],
)
def test_a_nul_byte_in_the_query_string_is_a_400_naming_the_field(manager, url, field):
    before = _counts()
    response = manager.get(url)
    assert response.status_code == 400
    assert f"{field} may not contain NUL characters." in response.content.decode()
    assert _counts() == before


def test_a_nul_byte_in_a_form_field_is_a_400_naming_it(manager):
    before = _counts()
    response = manager.post("/bulletins/new/", {"title": "t\x00", "body": "b"})
    assert response.status_code == 400
    assert "title may not contain NUL characters." in response.content.decode()
    assert _counts() == before


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/call/checklist/?category=%C2%B2", "category"),
        ("/call/customer/?customer=%C2%B2", "customer"),
        ("/reports/tickets/?month=2026-10&level=person&figure=held&key=1&tier=%C2%B2", "tier"),
        ("/reports/tickets/?month=2026-10&level=person&figure=held&key=%C2%B2&tier=1", "key"),
    ],
)
def test_unicode_digits_in_an_id_are_a_400_naming_the_field(manager, url, field):
    before = _counts()
    response = manager.get(url)
    assert response.status_code == 400
    assert field in response.content.decode()
    assert _counts() == before


def test_unicode_digits_as_a_forms_department_are_a_400_on_the_field(manager, org):
    before = _counts()
    response = manager.post("/bulletins/new/", {"department": "²", "title": "t", "body": "b"})
    assert response.status_code == 400
    assert response.context["form"].errors["department"]
    assert _counts() == before


DEEP_ARRAY = "[" * 1000 + "]" * 1000
DEEP_OBJECT = '{"a":' * 1000 + "1" + "}" * 1000


@pytest.mark.parametrize("body", [DEEP_ARRAY, DEEP_OBJECT])
def test_deeply_nested_json_to_the_anonymous_token_endpoint_is_a_400(org, body):
    response = Client(raise_request_exception=False).post(
        "/api/v1/auth/token/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert "nested deeper than 50 levels" in response.json()["detail"]
    assert not Token.objects.exists()


@pytest.mark.parametrize(
    "url", ["/api/v1/tickets/", "/api/v1/bulletins/", "/api/v1/tickets/{ref}/notes/",
            "/api/v1/tickets/{ref}/claim/", "/api/v1/tickets/{ref}/pass/"],
)
def test_deeply_nested_json_to_any_json_endpoint_is_a_400_and_changes_nothing(manager, url):
    ticket = Ticket.objects.get()
    before = _counts()
    response = manager.post(url.format(ref=ticket.reference), DEEP_ARRAY,
                            content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert _counts() == before


def test_json_fifty_levels_deep_is_still_read():
    assert json_depth("[" * 50 + "]" * 50) == 50
    assert json_depth('{"a": "[[[[", "b": [1, {"c": "]}"}]}') == 3


def test_a_json_body_past_the_endpoints_limit_is_a_413_in_json(manager, org):
    before = _counts()
    body = '{"department": "customer-service", "title": "t", "body": "' + "x" * 200_000 + '"}'
    response = manager.post("/api/v1/bulletins/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert "at most 131072 bytes" in response.json()["detail"]
    assert _counts() == before


def test_a_body_of_escaped_quotes_is_parsed_in_linear_time(org):
    # An unterminated string of 80,000 escaped quotes: a string-matching regex needed
    # minutes for this; the scanner takes a fraction of a second.
    import time

    body = '"' + '\\"' * 80_000
    started = time.monotonic()
    response = Client(raise_request_exception=False).post(
        "/api/v1/auth/token/", body, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["code"] == "parse_error"
    assert time.monotonic() - started < 3
