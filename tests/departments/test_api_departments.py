"""Departments and tier times through the REST API."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from departments.models import (
    MAX_RESOLVE_WITHIN,
    ConfigurationChange,
    ConfigurationChangeKind,
    Tier,
)
from tests.factories import open_ticket
from tickets.models import Handoff

DEPARTMENTS = "/api/v1/departments/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def tier_url(slug="customer-service", level=2) -> str:
    return f"{DEPARTMENTS}{slug}/tiers/{level}/"


@pytest.mark.parametrize("who", ["ana", "outsider", "andrei"])
def test_every_signed_in_user_sees_the_departments_and_their_pyramids(org, who):
    response = client_for(getattr(org, who)).get(DEPARTMENTS)

    assert response.status_code == 200
    by_slug = {d["slug"]: d for d in response.json()}
    assert set(by_slug) == {"customer-service", "sales"}
    assert by_slug["customer-service"]["name"] == "Customer service"
    assert by_slug["customer-service"]["tiers"] == [
        {"level": 1, "name": "Front line", "resolve_within": "20:00:00"},
        {"level": 2, "name": "Specialists", "resolve_within": "20:00:00"},
        {"level": 3, "name": "Experts", "resolve_within": "20:00:00"},
    ]


def test_the_department_list_needs_authentication(org):
    assert APIClient().get(DEPARTMENTS).status_code == 401


def test_the_department_list_costs_a_fixed_number_of_queries(org):
    client = client_for(org.ana)
    with CaptureQueriesContext(connection) as queries:
        client.get(DEPARTMENTS)

    assert len(queries) <= 3  # the token, the departments, their tiers


def test_a_manager_changes_a_tier_time(org):
    response = client_for(org.andrei).patch(
        tier_url(), {"resolve_within": "8:00:00"}, format="json"
    )

    assert response.status_code == 200, response.data
    assert response.json() == {
        "department": "customer-service",
        "level": 2,
        "name": "Specialists",
        "resolve_within": "08:00:00",
    }
    assert Tier.objects.get(pk=org.t2.pk).resolve_within == timedelta(hours=8)


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("P2D", timedelta(days=2)),
        ("1 12:00:00", timedelta(days=1, hours=12)),
        ("90 00:00:00", timedelta(days=90)),
        (f"{MAX_RESOLVE_WITHIN.days} 00:00:00", MAX_RESOLVE_WITHIN),
    ],
)
def test_tier_times_are_read_in_django_and_iso_formats(org, given, stored):
    response = client_for(org.andrei).patch(tier_url(), {"resolve_within": given}, format="json")

    assert response.status_code == 200, response.data
    assert Tier.objects.get(pk=org.t2.pk).resolve_within == stored


def test_a_new_tier_time_applies_to_open_tickets_at_the_tier_and_writes_no_handoff(org):
    already_there = open_ticket(org.ana)
    handoffs_before = Handoff.objects.count()

    response = client_for(org.andrei).patch(
        tier_url(level=1), {"resolve_within": "2:00:00"}, format="json"
    )
    arriving = open_ticket(org.ana)

    assert response.status_code == 200
    already_there.refresh_from_db()
    assert already_there.due_at == already_there.tier_entered_at + timedelta(hours=2)
    assert arriving.due_at == arriving.tier_entered_at + timedelta(hours=2)
    assert Handoff.objects.count() == handoffs_before + 1  # only the new ticket's "opened"


@pytest.mark.parametrize("who", ["ana", "ioana", "priya", "outsider"])
def test_only_managers_change_tier_times(org, who):
    response = client_for(getattr(org, who)).patch(
        tier_url(), {"resolve_within": "1:00:00"}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "not_allowed"
    assert Tier.objects.get(pk=org.t2.pk).resolve_within == timedelta(hours=20)


def test_a_superuser_is_a_manager(org):
    org.outsider.is_superuser = True
    org.outsider.save(update_fields=["is_superuser"])

    response = client_for(org.outsider).patch(
        tier_url(), {"resolve_within": "1:00:00"}, format="json"
    )

    assert response.status_code == 200


@pytest.mark.parametrize(
    "value",
    [
        "0",
        "00:00:00",
        "-1 00:00:00",
        f"{MAX_RESOLVE_WITHIN.days + 1} 00:00:00",
        f"{MAX_RESOLVE_WITHIN.days} 00:00:01",
        "P1000D",
        "999999999999 00:00:00",
        "soon",
        3.5e300,
        None,
        ["1:00:00"],
        {"hours": 1},
        True,
    ],
)
def test_a_tier_time_that_is_not_positive_and_sane_is_a_400_naming_it(org, value):
    response = client_for(org.andrei).patch(tier_url(), {"resolve_within": value}, format="json")

    assert response.status_code == 400, (value, response.status_code)
    assert "resolve_within" in response.json()
    assert Tier.objects.get(pk=org.t2.pk).resolve_within == timedelta(hours=20)


def test_a_patch_without_a_time_changes_nothing(org):
    response = client_for(org.andrei).patch(tier_url(), {"name": "Renamed"}, format="json")

    assert response.status_code == 200
    assert response.json()["name"] == "Specialists"
    assert response.json()["resolve_within"] == "20:00:00"


@pytest.mark.parametrize(
    "path", [tier_url(level=9), tier_url(slug="nowhere"), tier_url(level=10**30)]
)
def test_an_unknown_tier_is_a_404(org, path):
    response = client_for(org.andrei).patch(path, {"resolve_within": "1:00:00"}, format="json")

    assert response.status_code == 404
    assert response.json() == {"detail": "No such tier.", "code": "not_found"}


@pytest.mark.parametrize(
    "path",
    [
        tier_url(level="abc"),
        tier_url(level="-1"),
        tier_url(level="1.0"),
        tier_url(level="0"),
        tier_url(level="\u0662"),  # an Arabic-Indic two: a decimal digit, not a level
        tier_url(slug="customer%00service"),
        tier_url(slug="%C3%BC%1D%3E"),
    ],
)
def test_a_malformed_tier_path_is_the_same_json_404_not_an_html_page_or_a_500(org, path):
    # Found by schemathesis (tests/test_api_fuzz.py): <int:level> and <slug:slug> in the
    # URL pattern sent these to Django's HTML 404, and a NUL byte in the slug reached SQL.
    response = client_for(org.andrei).patch(path, {"resolve_within": "1:00:00"}, format="json")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "No such tier.", "code": "not_found"}


def test_malformed_json_on_a_tier_is_a_400(org):
    response = client_for(org.andrei).patch(
        tier_url(), data="{resolve", content_type="application/json"
    )

    assert response.status_code == 400


def test_the_apis_tier_time_limit_is_the_models():
    from django.core.exceptions import ValidationError
    from django.utils.duration import duration_string

    from departments.api.serializers import TierChangeInput

    def api_accepts(value: timedelta) -> bool:
        return TierChangeInput(data={"resolve_within": duration_string(value)}).is_valid()

    def model_accepts(value: timedelta) -> bool:
        try:
            Tier._meta.get_field("resolve_within").run_validators(value)
        except ValidationError:
            return False
        return True

    just_past = MAX_RESOLVE_WITHIN + timedelta(seconds=1)
    assert api_accepts(MAX_RESOLVE_WITHIN) and model_accepts(MAX_RESOLVE_WITHIN)
    assert not api_accepts(just_past) and not model_accepts(just_past)


def test_a_tier_time_change_through_the_api_is_recorded_with_the_times_before_and_after(org):
    response = client_for(org.andrei).patch(
        tier_url(), {"resolve_within": "8:00:00"}, format="json"
    )

    assert response.status_code == 200
    change = ConfigurationChange.objects.get()
    assert (change.kind, change.changed_by, change.object_id, change.department) == (
        ConfigurationChangeKind.TIER_TIME,
        org.andrei,
        org.t2.pk,
        org.cs,
    )
    assert change.old_value == {"resolve_within": "20:00:00"}
    assert change.new_value == {"resolve_within": "08:00:00"}


def test_a_refused_or_invalid_tier_time_change_records_nothing(org):
    client_for(org.ioana).patch(tier_url(), {"resolve_within": "1:00:00"}, format="json")
    client_for(org.andrei).patch(tier_url(), {"resolve_within": "0"}, format="json")

    assert not ConfigurationChange.objects.exists()
