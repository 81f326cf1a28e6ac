"""GET /api/v1/reports/monthly/: the dashboard's figures as JSON."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from reports.metrics import monthly_report
from reports.months import Month
from tests.reports.helpers import busy_day


@pytest.fixture
def october(org):
    busy_day(org, datetime(2026, 10, 5, 8, tzinfo=UTC), 3)
    return org


def get(user, **params):
    client = APIClient()
    if user:
        client.force_authenticate(user)
    return client.get(reverse("api-reports-monthly"), params)


def test_a_manager_gets_the_same_figures_as_the_dashboard(october):
    response = get(october.andrei, month="2026-10")
    assert response.status_code == 200
    data = response.json()
    report = monthly_report(Month(2026, 10))
    assert data["month"] == "2026-10" and data["department"] is None
    assert data["organisation"] == {
        **report.flow.organisation.as_dict(),
        "within_share": report.flow.organisation.within_share,
    }
    people = {(p["username"], p["tier_id"]): p for p in data["people"]}
    ana = people[("ana", october.t1.pk)]
    assert ana["quick_passes"] == 3 and ana["bounces"] == 3 and "quick_passes" in ana["flagged"]
    assert data["satisfaction"]["overall"]["responses"] == 3
    assert len(data["days"]) == 31
    assert data["starts_at"] == "2026-09-30T21:00:00Z"
    assert set(data["definitions"]) >= {"opened", "backlog", "quick_passes", "bounces"}


def test_a_bad_month_is_a_400_naming_month(october):
    for bad in ("2026-13", "October", ""):
        response = get(october.andrei, month=bad)
        assert response.status_code == 400
        assert "month" in response.json()
    assert "month" in get(october.andrei).json()


def test_permissions_follow_the_dashboard(october):
    assert get(None, month="2026-10").status_code in (401, 403)
    assert get(october.ana, month="2026-10").status_code == 403
    lead = get(october.ioana, month="2026-10")
    assert lead.status_code == 200 and lead.json()["department"] == "customer-service"
    assert get(october.ioana, month="2026-10", department="sales").status_code == 403
    assert get(october.andrei, month="2026-10", department="nowhere").status_code == 400


def test_the_endpoint_is_documented_with_its_response_schema(client, october):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/reports/monthly/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"month", "department"}
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "MonthlyReport"
    )
    assert {"400", "403"} <= set(operation["responses"])


def test_the_schema_gives_the_month_and_department_patterns_the_endpoint_checks(october):
    # Found by schemathesis (tests/test_api_fuzz.py): the schema called both plain strings,
    # so "month=yes" looked valid to clients yet was refused with a 400.
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/reports/monthly/"]["get"]
    patterns = {p["name"]: p["schema"].get("pattern") for p in operation["parameters"]}
    assert patterns == {"month": r"^\d{4}-\d{1,2}$", "department": r"^[-a-zA-Z0-9_]+$"}
    assert get(october.andrei, month="yes").status_code == 400
    assert get(october.andrei, month="2026-10", department="not a slug").status_code == 400
