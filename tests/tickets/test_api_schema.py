"""The OpenAPI schema and the API docs page."""

import re

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_the_schema_validates_without_a_single_warning(tmp_path):
    target = tmp_path / "schema.yaml"

    # --fail-on-warn turns any drf-spectacular warning or error into SystemExit.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    assert "/api/v1/tickets/{reference}/claim/" in target.read_text()


def test_the_schema_is_served_as_json_and_documents_the_error_answers():
    response = APIClient().get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    expected = {
        "/api/v1/auth/token/",
        "/api/v1/tickets/",
        "/api/v1/tickets/{reference}/",
        "/api/v1/tickets/{reference}/handoffs/",
        "/api/v1/tickets/{reference}/claim/",
        "/api/v1/tickets/{reference}/release/",
        "/api/v1/tickets/{reference}/assign/",
        "/api/v1/tickets/{reference}/pass/",
        "/api/v1/tickets/{reference}/transfer/",
        "/api/v1/tickets/{reference}/resolve/",
        "/api/v1/tickets/{reference}/notes/",
        "/api/v1/departments/",
        "/api/v1/departments/{slug}/tiers/{level}/",
        "/api/v1/departments/{slug}/",
        "/api/v1/calendars/",
        "/api/v1/calendars/{calendar_id}/",
        "/api/v1/calendars/{calendar_id}/holidays/",
    }
    assert expected <= set(paths)
    for move in ("claim", "release", "assign", "pass", "transfer", "resolve"):
        responses = paths[f"/api/v1/tickets/{{reference}}/{move}/"]["post"]["responses"]
        assert {"200", "400", "401", "403", "404", "409"} <= set(responses), move
    tier = paths["/api/v1/departments/{slug}/tiers/{level}/"]["patch"]
    assert {"200", "400", "401", "403", "404"} <= set(tier["responses"])
    assert "open tickets already at the tier" in tier["description"]
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_the_docs_page_loads_without_any_external_cdn():
    response = APIClient().get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    external = re.findall(r"""(?:src|href)\s*=\s*["'](?:https?:)?//[^"']+""", html)
    assert external == []
    for cdn in ("cdn.jsdelivr", "unpkg.com", "cdnjs", "googleapis"):
        assert cdn not in html
