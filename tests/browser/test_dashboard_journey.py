"""A manager's month-end journey through the dashboard, in a real Chromium."""

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest

from reports.months import last_full_month
from tests.reports.helpers import busy_day

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.mark.browser
def test_andrei_reviews_last_month_and_downloads_the_dumping_report(live_server, page, org):
    month = last_full_month()
    busy_day(org, month.start + timedelta(days=3), 3)
    org.andrei.first_name, org.andrei.last_name = "Andrei", "Popescu"
    org.andrei.save()

    page.goto(f"{live_server.url}/accounts/login/?next=/reports/")
    page.fill("input[name=username]", "andrei")
    page.fill("input[name=password]", "pw")
    page.locator("form").filter(has=page.locator("input[name=password]")).locator(
        "button[type=submit], input[type=submit]"
    ).first.click()

    page.wait_for_url(re.compile(r"/reports/"))
    heading = page.locator("h1")
    assert month.label in heading.inner_text()
    assert "All departments" in heading.inner_text()

    page.select_option("#id_department", "customer-service")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"department=customer-service"))
    assert "Customer service" in page.locator("h1").inner_text()
    assert page.locator("svg[role=img] > title").count() == 4

    page.get_by_role("link", name="Dumping report").click()
    dumping = page.locator("#dumping")
    ana_row = dumping.locator("tr.flagged", has_text="Ana")
    assert ana_row.count() == 1
    quick = ana_row.locator("td").nth(2).get_by_role("link")  # her quick passes
    assert quick.inner_text() == "3"
    quick.click()
    page.wait_for_url(re.compile(r"figure=quick_passes"))
    assert page.locator("#drill-down-table tbody tr").count() == 3
    assert page.locator("#drill-count").get_attribute("data-count") == "3"
    page.go_back()

    # A chart's bar is a link too: the busiest day's resolutions.
    bar = page.locator("#charts svg a[data-count]").first
    expected = bar.get_attribute("data-count")
    bar.locator("rect").click()
    page.wait_for_url(re.compile(r"level=day"))
    assert page.locator("#drill-count").get_attribute("data-count") == expected
    page.go_back()

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)

    with page.expect_download() as download_info:
        page.locator("#dumping a.csv-link").click()
    download = download_info.value
    assert download.suggested_filename == f"tierdesk-dumping-{month.key}-customer-service.csv"
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text())))
    assert rows[0][:2] == ["Person", "Username"]
    assert {"ana", "ravi"} <= {r[1] for r in rows[1:]}
