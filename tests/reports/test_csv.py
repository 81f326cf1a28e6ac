"""CSV downloads: every dashboard table, same figures, safe in a spreadsheet."""

import csv
import io
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from reports.tables import TABLES
from tests.reports.helpers import busy_day


@pytest.fixture
def october(org):
    busy_day(org, datetime(2026, 10, 5, 8, tzinfo=UTC), 3)
    return org


def download(client, user, table, **params):
    client.force_login(user)
    return client.get(reverse("reports-csv", args=[table]), {"month": "2026-10", **params})


def rows_of(response):
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_table_downloads_as_csv_with_its_header(client, october, table):
    response = download(client, october.andrei, table)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f'filename="tierdesk-{table}-2026-10-all.csv"' in response["Content-Disposition"]
    rows = rows_of(response)
    assert rows[0] == [str(h) for h in TABLES[table][1]]


def test_the_flow_csv_carries_the_same_figures_as_the_page(client, october):
    rows = rows_of(download(client, october.andrei, "flow"))
    organisation = rows[1]
    assert organisation[0] == "organisation"
    assert organisation[3:6] == ["6", "3", "3"]  # opened, resolved, passed up
    tiers = {(r[1], r[2]): r for r in rows if r[0] == "tier"}
    assert tiers[("Customer service", "Specialists")][4] == "3"  # marko's resolutions at tier 2


def test_the_dumping_csv_lists_the_quick_passer_first_with_the_reason(client, october):
    rows = rows_of(download(client, october.andrei, "dumping"))
    header, first = rows[0], rows[1]
    assert first[header.index("Username")] in {"ana", "ravi"}
    by_user = {r[1]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert by_user["ana"]["Quick passes"] == "3" and by_user["ana"]["Bounces"] == "3"
    assert by_user["ana"]["Thin passes"] == "3"  # "dunno" is under 20 characters
    assert "quick_passes" in by_user["ana"]["Highlighted for"]


def test_comments_are_all_in_the_csv_and_formulas_are_defused(client, october):
    from reports.models import SurveyResponse

    SurveyResponse.objects.filter(comment="comment 0").update(comment='=HYPERLINK("http://evil")')
    rows = rows_of(download(client, october.andrei, "comments"))
    comments = sorted(r[4] for r in rows[1:])
    assert comments == ['\'=HYPERLINK("http://evil")', "comment 1", "comment 2"]


def test_a_lead_downloads_only_their_department_and_agents_nothing(client, october):
    assert download(client, october.ana, "flow").status_code == 403
    assert download(client, october.ioana, "flow", department="sales").status_code == 403
    rows = rows_of(download(client, october.ioana, "flow"))
    assert {r[1] for r in rows[1:]} == {"Customer service"}


def test_an_unknown_table_is_404_and_a_bad_month_400(client, october):
    assert download(client, october.andrei, "salaries").status_code == 404
    response = download(client, october.andrei, "flow", month="October")
    assert response.status_code == 400 and b"month" in response.content
