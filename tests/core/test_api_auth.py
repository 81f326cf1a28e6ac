"""Getting and using an API token."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import open_ticket

TOKEN = "/api/v1/auth/token/"


def test_a_token_from_username_and_password_works_end_to_end(org):
    ticket = open_ticket(org.ana)
    client = APIClient()

    response = client.post(TOKEN, {"username": "ana", "password": "pw"}, format="json")

    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(user=org.ana).key == token
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    listed = client.get("/api/v1/tickets/")
    assert listed.status_code == 200
    assert [t["reference"] for t in listed.json()["results"]] == [ticket.reference]
    released = client.post(f"/api/v1/tickets/{ticket.reference}/release/", {}, format="json")
    assert released.status_code == 200
    assert released.json()["owner"] is None


def test_asking_twice_gives_the_same_token(org):
    client = APIClient()
    first = client.post(TOKEN, {"username": "ana", "password": "pw"}, format="json").json()["token"]
    second = client.post(TOKEN, {"username": "ana", "password": "pw"}, format="json").json()[
        "token"
    ]

    assert first == second


@pytest.mark.parametrize(
    "body",
    [{"username": "ana", "password": "wrong"}, {"username": "nobody", "password": "pw"}],
)
def test_wrong_credentials_are_a_400_with_a_message(org, body):
    response = APIClient().post(TOKEN, body, format="json")

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Unable to log in with provided credentials."]}
    assert not Token.objects.exists()


def test_an_inactive_user_gets_no_token(org):
    org.ana.is_active = False
    org.ana.save(update_fields=["is_active"])

    response = APIClient().post(TOKEN, {"username": "ana", "password": "pw"}, format="json")

    assert response.status_code == 400


def test_a_token_stops_working_when_its_user_is_deactivated(org):
    token = Token.objects.create(user=org.ana)
    org.ana.is_active = False
    org.ana.save(update_fields=["is_active"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = client.get("/api/v1/tickets/")

    assert response.status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "username"),
        ({"username": "ana"}, "password"),
        ({"username": None, "password": "pw"}, "username"),
        ({"username": "ana\x00", "password": "pw"}, "username"),
    ],
)
def test_missing_or_bad_fields_are_a_400_naming_them(org, body, field):
    response = APIClient().post(TOKEN, body, format="json")

    assert response.status_code == 400
    assert field in response.json()


def test_malformed_json_is_a_400(org):
    response = APIClient().post(TOKEN, data='{"username": "ana", ', content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_without_credentials_the_api_answers_401_with_a_token_challenge(org):
    response = APIClient().get("/api/v1/tickets/")

    assert response.status_code == 401
    assert response.json() == {
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
    }
    assert response["WWW-Authenticate"] == "Token"


def test_a_signed_in_browser_session_also_reads_the_api(org):
    client = APIClient()
    client.force_login(org.ana)

    assert client.get("/api/v1/departments/").status_code == 200


def test_session_writes_need_the_csrf_token(org):
    ticket = open_ticket(org.ana)
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(org.ana)

    response = client.post(f"/api/v1/tickets/{ticket.reference}/release/", {}, format="json")

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
