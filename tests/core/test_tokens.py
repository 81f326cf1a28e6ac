"""API tokens expire, die with a password change, and their owner sees and revokes them."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.api.tokens import token_fingerprint

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
TOKENS = "/accounts/tokens/"


def api_as(token: Token) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def works(token: Token) -> bool:
    response = api_as(token).get("/api/v1/tickets/")
    assert response.status_code in (200, 401)
    return response.status_code == 200


# --- revoked by a new password --------------------------------------------------------------


def test_changing_the_password_on_the_page_revokes_the_tokens(client, org):
    token = Token.objects.create(user=org.ana)
    client.force_login(org.ana)

    response = client.post(
        reverse("password_change"),
        {"old_password": "pw", "new_password1": "a-New-one-42", "new_password2": "a-New-one-42"},
    )

    assert response.status_code == 302
    assert not Token.objects.filter(user=org.ana).exists()
    assert not works(token)


def test_set_password_anywhere_else_revokes_the_tokens_too(org):
    """The admin, ``manage.py changepassword`` and code all end in ``set_password`` + ``save``."""
    token = Token.objects.create(user=org.ana)
    other = Token.objects.create(user=org.ravi)

    org.ana.set_password("another-42-pass")
    org.ana.save()

    assert not Token.objects.filter(pk=token.pk).exists()
    assert works(other)


def test_saving_a_user_without_a_new_password_keeps_the_tokens(org):
    token = Token.objects.create(user=org.ana)

    org.ana.first_name = "Ana Maria"
    org.ana.save()
    Client().post(reverse("login"), {"username": "ana", "password": "pw"})  # last_login

    assert works(token)


# --- expiry -----------------------------------------------------------------------------------


@pytest.fixture
def ttl(settings):
    settings.TIERDESK_TOKEN_TTL_HOURS = 24 * 30
    return timedelta(hours=24 * 30)


def test_a_token_works_until_the_instant_before_its_expiry(org, ttl):
    with time_machine.travel(T0, tick=False):
        token = Token.objects.create(user=org.ana)
    with time_machine.travel(T0 + ttl - timedelta(seconds=1), tick=False):
        assert works(token)


def test_a_token_is_refused_exactly_at_its_expiry_with_a_clear_401(org, ttl):
    with time_machine.travel(T0, tick=False):
        token = Token.objects.create(user=org.ana)
    with time_machine.travel(T0 + ttl, tick=False):
        response = api_as(token).get("/api/v1/tickets/")
    assert response.status_code == 401
    assert "expired" in response.json()["detail"].lower()
    assert response["WWW-Authenticate"] == "Token"


def test_a_token_is_refused_after_its_expiry(org, ttl):
    with time_machine.travel(T0, tick=False):
        token = Token.objects.create(user=org.ana)
    with time_machine.travel(T0 + ttl + timedelta(days=3), tick=False):
        assert not works(token)


def test_asking_again_after_expiry_gives_a_new_working_token(org, ttl):
    with time_machine.travel(T0, tick=False):
        old = Token.objects.create(user=org.ana)
    with time_machine.travel(T0 + ttl + timedelta(hours=1), tick=False):
        response = APIClient().post(
            "/api/v1/auth/token/", {"username": "ana", "password": "pw"}, format="json"
        )
        assert response.status_code == 200
        new = Token.objects.get(user=org.ana)
        assert new.key == response.json()["token"] != old.key
        assert works(new)


# --- the tokens page ---------------------------------------------------------------------------


def test_the_tokens_page_needs_an_account(client):
    response = client.get(TOKENS)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_tokens_page_lists_only_ones_own_tokens_and_never_their_keys(client, org):
    mine = Token.objects.create(user=org.ana)
    theirs = Token.objects.create(user=org.ravi)
    client.force_login(org.ana)

    html = client.get(TOKENS).content.decode()

    assert token_fingerprint(mine) in html
    assert token_fingerprint(theirs) not in html
    assert mine.key not in html and theirs.key not in html


def test_the_header_links_to_the_tokens_page(client, org):
    client.force_login(org.ana)
    assert f'href="{TOKENS}"' in client.get(reverse("home")).content.decode()


def test_revoking_ones_own_token_ends_it(client, org):
    token = Token.objects.create(user=org.ana)
    client.force_login(org.ana)

    response = client.post(TOKENS, {"token": token_fingerprint(token)})

    assert response.status_code == 302
    assert not Token.objects.filter(user=org.ana).exists()
    assert not works(token)


def test_revoking_someone_elses_token_is_a_404_and_changes_nothing(client, org):
    mine = Token.objects.create(user=org.ana)
    theirs = Token.objects.create(user=org.ravi)
    client.force_login(org.ana)

    by_fingerprint = client.post(TOKENS, {"token": token_fingerprint(theirs)})
    by_key = client.post(TOKENS, {"token": theirs.key})

    assert by_fingerprint.status_code == 404 and by_key.status_code == 404
    assert set(Token.objects.values_list("key", flat=True)) == {mine.key, theirs.key}
    assert works(theirs) and works(mine)


def test_revoking_needs_the_csrf_token(org):
    token = Token.objects.create(user=org.ana)
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.ana)

    response = client.post(TOKENS, {"token": token_fingerprint(token)})

    assert response.status_code == 403
    assert Token.objects.filter(pk=token.pk).exists()
