"""What anonymous callers may see: a minimal /healthz/, the schema by choice, no browsable API.

The decision and its reasons are in docs/reliability.md ("What is public").
"""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

DETAILS = {"database", "broker", "outbox", "clock"}


@pytest.fixture
def private_health(settings):
    settings.TIERDESK_PUBLIC_HEALTH_DETAILS = False
    settings.TIERDESK_HEALTH_TOKEN = "monitoring-secret"


@pytest.mark.django_db
def test_anonymous_healthz_answers_only_the_status(client, private_health):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert b"postgresql" not in response.content


@pytest.mark.django_db
def test_anonymous_healthz_keeps_the_status_code_when_unhealthy(client, private_health, settings):
    from datetime import timedelta

    from django.utils import timezone

    from escalation.heartbeat import record_sweep_completed

    record_sweep_completed(timezone.now() - timedelta(hours=1))

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json() == {"status": "degraded"}


@pytest.mark.django_db
def test_a_wrong_health_token_sees_only_the_status(private_health):
    response = Client(headers={"Authorization": "Bearer guessed"}).get(reverse("healthz"))

    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_the_health_token_sees_the_details(private_health):
    client = Client(headers={"Authorization": "Bearer monitoring-secret"})

    assert set(client.get(reverse("healthz")).json()) >= DETAILS


@pytest.mark.django_db
def test_no_token_configured_means_no_token_works(client, settings):
    settings.TIERDESK_PUBLIC_HEALTH_DETAILS = False
    settings.TIERDESK_HEALTH_TOKEN = ""
    response = Client(headers={"Authorization": "Bearer "}).get(reverse("healthz"))

    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_managers_and_staff_see_the_details_agents_do_not(client, org, private_health):
    client.force_login(org.ana)
    assert set(client.get(reverse("healthz")).json()) == {"status"}

    client.force_login(org.andrei)
    assert set(client.get(reverse("healthz")).json()) >= DETAILS

    org.ana.is_staff = True
    org.ana.save(update_fields=["is_staff"])
    client.force_login(org.ana)
    assert set(client.get(reverse("healthz")).json()) >= DETAILS


@pytest.mark.django_db
def test_public_health_details_setting_shows_them_to_everyone(client, settings):
    settings.TIERDESK_PUBLIC_HEALTH_DETAILS = True

    assert set(client.get(reverse("healthz")).json()) >= DETAILS


def test_the_embedded_default_is_the_only_one_with_public_health_details():
    """SQLite means the embedded default (127.0.0.1 only); PostgreSQL means production."""
    from django.conf import settings

    assert settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    assert settings.TIERDESK_PUBLIC_HEALTH_DETAILS is False


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/", "/api/redoc/"])
def test_schema_and_docs_are_public_by_default(client, path):
    assert client.get(path).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/", "/api/redoc/"])
def test_schema_and_docs_can_be_limited_to_signed_in_users(client, org, settings, path):
    settings.TIERDESK_PUBLIC_API_SCHEMA = False

    assert client.get(path).status_code in (401, 403)
    client.force_login(org.ana)
    assert client.get(path).status_code == 200


@pytest.mark.django_db
def test_a_token_reads_the_limited_schema(org, settings):
    settings.TIERDESK_PUBLIC_API_SCHEMA = False
    token = Token.objects.create(user=org.ana)
    api = APIClient()

    assert api.get("/api/schema/", {"format": "json"}).status_code == 401
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = api.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    assert "/api/v1/tickets/" in response.json()["paths"]


@pytest.mark.django_db
def test_the_browsable_api_is_off_without_debug(client, org):
    client.force_login(org.ana)

    response = client.get("/api/v1/tickets/", HTTP_ACCEPT="text/html")

    assert response.status_code in (200, 406)
    assert not response["Content-Type"].startswith("text/html")


def test_the_browsable_api_renderer_is_configured_only_with_debug():
    from django.conf import settings

    renderers = settings.REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"]
    assert settings.DEBUG is False
    assert renderers == ["rest_framework.renderers.JSONRenderer"]
