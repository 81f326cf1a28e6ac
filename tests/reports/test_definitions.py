"""One definition per figure, in the same words on the page, in the CSV, the API and the email."""

from datetime import UTC, datetime
from pathlib import Path

from django.urls import reverse

from outbox.models import OutboundEmail
from reports.metrics.definitions import FIGURES, definitions
from reports.months import Month
from reports.summary import send_monthly_summary
from reports.tables import TABLES
from tests.reports.helpers import busy_day

DOC = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"
# The API's fields and the figure whose definition describes them.
API_FIELDS = {
    "FlowFigures": {
        "opened": "opened",
        "resolved": "resolved",
        "within_share": "within_share",
        "median_seconds": "median",
        "p90_seconds": "p90",
        "passed_up": "passed_up",
        "escalated": "escalated",
        "breached": "breached",
        "unowned_timeouts": "unowned_timeouts",
        "backlog": "backlog",
        "first_call": "first_call",
        "came_back_rate": "came_back_rate",
    },
    "Person": {
        "held": "held",
        "resolved": "person_resolved",
        "came_back": "came_back",
        "resolved_for_good": "resolved_for_good",
        "passed_up": "person_passed_up",
        "median_held_seconds": "median_held",
        "satisfied_share": "satisfied_resolved",
        "held_satisfied_share": "satisfied_held",
        "quick_passes": "quick_passes",
        "thin_passes": "thin_passes",
        "timeouts": "timeouts",
        "late_releases": "late_releases",
        "thin_transfers": "thin_transfers",
        "returned_transfers": "returned_transfers",
        "bounces": "bounces",
        "dumped": "dumped",
        "dumped_share": "dumped_share",
    },
}


def test_every_figure_of_the_page_is_named_in_docs_metrics():
    doc = DOC.read_text()
    for key, figure in FIGURES.items():
        assert f"**{figure.label}" in doc, key


def test_the_api_describes_each_field_with_the_figures_definition(client, org):
    client.force_login(org.andrei)
    schema = client.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]
    words = definitions()
    for component, fields in API_FIELDS.items():
        properties = schema[component]["properties"]
        for field, figure in fields.items():
            assert properties[field]["description"].startswith(words[figure]), (component, field)


def test_the_csv_headers_use_the_pages_names(client, org):
    headers = " | ".join(str(h) for _t, header, _r in TABLES.values() for h in header)
    for key in ("opened", "escalated", "unowned_timeouts", "held", "quick_passes", "thin_passes",
                "timeouts", "late_releases", "thin_transfers", "returned_transfers", "bounces",
                "dumped", "resolved_for_good", "median_held", "satisfied_held"):
        assert str(FIGURES[key].label) in headers, key


def test_the_monthly_email_uses_the_pages_names(org):
    busy_day(org, datetime(2026, 10, 5, 8, tzinfo=UTC), 3)
    send_monthly_summary(Month(2026, 10), now=datetime(2026, 11, 1, 5, tzinfo=UTC))
    body = OutboundEmail.objects.filter(kind="monthly_summary").first().body
    for key in ("opened", "resolved", "within_share", "escalated", "backlog", "satisfied",
                "quick_passes", "dumped_share"):
        assert str(FIGURES[key].label) in body, key
    assert "Ana" in body or "ana" in body


def test_the_page_shows_each_definition_next_to_its_figure(client, org):
    busy_day(org, datetime(2026, 10, 5, 8, tzinfo=UTC), 2)
    client.force_login(org.andrei)
    body = client.get(reverse("reports-dashboard"), {"month": "2026-10"}).content.decode()
    body = body.replace("&#x27;", "'")
    for key, text in definitions().items():
        assert text in body, key
