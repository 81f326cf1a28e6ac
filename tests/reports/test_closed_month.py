"""A closed month stays closed: the summary's figures are the page's, late answers are told."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from outbox.models import OutboundEmail
from reports.metrics import monthly_report
from reports.metrics.closing import snapshot
from reports.models import MonthlySummary
from reports.months import Month
from reports.summary import MonthNotOver, send_monthly_summary
from tests.factories import open_ticket
from tests.reports.helpers import answer_latest
from tickets import actions

OCTOBER = Month(2026, 10)
CLOSE = datetime(2026, 11, 1, 5, tzinfo=UTC)  # 07:00 in Bucharest, when beat sends it


@pytest.fixture
def closed_october(org):
    first = open_ticket(org.ana, now=datetime(2026, 10, 28, 9, tzinfo=UTC))
    actions.do_resolve_ticket(first, by=org.ana, resolution="Done.", now=datetime(2026, 10, 28, 10, tzinfo=UTC))
    answer_latest(rating=5, comment="", now=datetime(2026, 10, 29, tzinfo=UTC))
    second = open_ticket(org.ana, now=datetime(2026, 10, 30, 9, tzinfo=UTC))
    actions.do_resolve_ticket(second, by=org.ana, resolution="Done.", now=datetime(2026, 10, 30, 10, tzinfo=UTC))
    assert send_monthly_summary(OCTOBER, now=CLOSE) == 1
    # Answered two days after the close, for a ticket resolved in October.
    answer_latest(rating=1, comment="Too slow.", now=CLOSE + timedelta(days=2))
    return org


def test_the_close_stores_the_figures_the_email_was_written_from(closed_october):
    summary = MonthlySummary.objects.get(month=OCTOBER.first_day)
    assert summary.sent_at == CLOSE
    assert summary.figures["satisfaction"] == {"responses": 1, "satisfied": 1}
    email = OutboundEmail.objects.get(kind="monthly_summary")
    assert "Satisfied: 100.0% of 1 answers" in email.body


def test_a_closed_month_reads_as_it_stood_at_the_close(closed_october):
    report = monthly_report(OCTOBER)
    assert report.satisfaction.overall.responses == 1
    assert snapshot(report) == MonthlySummary.objects.get().figures
    assert report.after_close.late_answers == 1
    assert report.after_close.satisfied_with_late == 0.5
    assert not report.after_close.differs
    assert monthly_report(OCTOBER, live=True).satisfaction.overall.responses == 2


def test_the_page_says_what_arrived_after_the_close_and_shows_the_stored_figures(
    client, closed_october
):
    client.force_login(closed_october.andrei)
    response = client.get(reverse("reports-dashboard"), {"month": OCTOBER.key})
    body = response.content.decode()
    assert "This month closed on 1 Nov 2026, 07:00" in body
    assert "1 survey answer arrived after the close: with it, satisfied would be 50.0% instead of 100.0%." in body
    assert response.context["report"].satisfaction.overall.responses == 1
    drill = client.get(
        reverse("reports-drill-down"), {"month": OCTOBER.key, "level": "answers", "figure": "all"}
    )
    assert drill.context["page"].paginator.count == 1
    api = client.get("/api/v1/reports/monthly/", {"month": OCTOBER.key}).json()
    assert api["satisfaction"]["overall"]["responses"] == 1
    assert api["closed"]["late_answers"] == 1 and api["closed"]["differs"] is False


def test_stored_figures_that_disagree_are_never_shown_silently(client, closed_october):
    summary = MonthlySummary.objects.get()
    summary.figures["satisfaction"]["responses"] = 7
    summary.save()
    client.force_login(closed_october.andrei)
    body = client.get(reverse("reports-dashboard"), {"month": OCTOBER.key}).content.decode()
    assert "differ from the month recomputed as of its close" in body


def test_a_month_cannot_be_closed_before_it_ends(org):
    with pytest.raises(MonthNotOver):
        send_monthly_summary(OCTOBER, now=OCTOBER.end - timedelta(seconds=1))
    assert not MonthlySummary.objects.exists()


def test_an_open_month_has_no_close_line(client, org):
    client.force_login(org.andrei)
    response = client.get(reverse("reports-dashboard"), {"month": OCTOBER.key})
    assert response.context["report"].closed is None
    assert "This month closed" not in response.content.decode()
