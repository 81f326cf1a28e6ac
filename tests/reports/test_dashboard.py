"""The monthly dashboard page: who may see it, what it shows, and that it does not N+1."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from reports.months import Month, last_full_month, parse_month
from tests.factories import MembershipFactory, UserFactory, open_ticket
from tests.reports.helpers import busy_day
from tickets import actions
from tickets.models import Ticket

OCTOBER = Month(2026, 10)
NOVEMBER_NOW = datetime(2026, 11, 15, 12, tzinfo=UTC)


@pytest.fixture
def october(org):
    busy_day(org, datetime(2026, 10, 5, 8, tzinfo=UTC), 3)
    return org


def dashboard(client, user, **params):
    client.force_login(user)
    return client.get(reverse("reports-dashboard"), params)


def test_a_manager_sees_the_whole_organisation_with_a_definition_for_each_figure(client, october):
    response = dashboard(client, october.andrei, month="2026-10")
    assert response.status_code == 200
    report = response.context["report"]
    assert report.flow.organisation.opened == 6
    assert report.flow.organisation.escalated >= 3  # the later sweeps move them on again
    body = response.content.decode()
    for definition in response.context["definitions"].values():
        assert definition in body.replace("&#x27;", "'")
    for title in (
        "Tickets resolved per day",
        "Backlog over the month",
        "Resolution within time by tier",
        "Satisfaction by number of handoffs",
    ):
        assert "<title id=" in body and title in body
    assert body.count('role="img"') == 4


def test_the_default_month_is_the_last_full_month_in_the_organisations_zone(client, october):
    # 30 Nov 22:30 UTC is already 1 December in Bucharest: the last full month is November.
    with time_machine.travel(datetime(2026, 11, 30, 22, 30, tzinfo=UTC), tick=False):
        response = dashboard(client, october.andrei)
    assert response.context["report"].month == Month(2026, 11)
    with time_machine.travel(datetime(2026, 11, 30, 21, 30, tzinfo=UTC), tick=False):
        assert dashboard(client, october.andrei).context["report"].month == OCTOBER


def test_month_boundaries_follow_local_midnight_across_the_clock_change(org):
    # Bucharest is +03:00 until 25 October 2026, +02:00 after.
    assert OCTOBER.start == datetime(2026, 9, 30, 21, tzinfo=UTC)
    assert OCTOBER.end == datetime(2026, 10, 31, 22, tzinfo=UTC)
    ends = OCTOBER.day_ends()
    assert ends[23] - ends[22] == timedelta(hours=24)
    assert ends[24] - ends[23] == timedelta(hours=25)  # 25 October has 25 hours
    last_september = open_ticket(org.ana, now=OCTOBER.start - timedelta(seconds=1))
    first_october = open_ticket(org.ana, now=OCTOBER.start)
    last_october = open_ticket(org.ana, now=OCTOBER.end - timedelta(seconds=1))
    actions.do_resolve_ticket(last_october, by=org.ana, resolution="ok", now=OCTOBER.end)
    from reports.metrics import monthly_report

    report = monthly_report(OCTOBER)
    assert report.flow.organisation.opened == 2
    assert report.flow.organisation.resolved == 0
    assert report.flow.organisation.backlog == 3  # resolved at the first instant of November
    assert monthly_report(OCTOBER.next()).flow.organisation.resolved == 1
    assert monthly_report(OCTOBER.previous()).flow.organisation.opened == 1
    assert {last_september.pk, first_october.pk}  # both opened through the real action


def test_a_bad_month_is_a_400_naming_the_month(client, org):
    response = dashboard(client, org.andrei, month="2026-13")
    assert response.status_code == 400
    assert "month" in response.context["form"].errors
    assert parse_month("2026-13") is None and parse_month("26-10") is None


def test_an_unknown_department_is_a_400_naming_the_department(client, org):
    response = dashboard(client, org.andrei, month="2026-10", department="nope")
    assert response.status_code == 400
    assert "department" in response.context["form"].errors


def test_agents_get_403_and_anonymous_visitors_are_sent_to_sign_in(client, org):
    assert dashboard(client, org.ana, month="2026-10").status_code == 403
    assert dashboard(client, org.marko, month="2026-10").status_code == 403
    assert dashboard(client, org.outsider, month="2026-10").status_code == 403
    client.logout()
    response = client.get(reverse("reports-dashboard"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_lead_sees_only_their_own_department(client, october):
    sales_lead = UserFactory(username="sara")
    MembershipFactory(user=sales_lead, tier=october.sales_t1, is_lead=True)
    own = dashboard(client, october.ioana, month="2026-10")
    assert own.status_code == 200
    assert own.context["department"] == october.cs
    assert [d.department for d in own.context["report"].flow.departments] == [october.cs]
    assert dashboard(client, october.ioana, month="2026-10", department="sales").status_code == 403
    theirs = dashboard(client, sales_lead, month="2026-10")
    assert theirs.context["department"] == october.sales
    assert theirs.context["report"].people == []
    assert (
        dashboard(client, sales_lead, month="2026-10", department="customer-service").status_code
        == 403
    )


def test_the_department_filter_narrows_every_table(client, october):
    response = dashboard(client, october.andrei, month="2026-10", department="sales")
    report = response.context["report"]
    assert report.flow.organisation.opened == 0
    assert report.people == [] and report.satisfaction.overall.responses == 0


def test_the_dumping_report_highlights_the_quick_passer_and_links_to_the_tickets(client, october):
    response = dashboard(client, october.andrei, month="2026-10")
    rows = {p.user.username: p for p in response.context["report"].dumping}
    assert rows["ana"].quick_passes == 3 and rows["ana"].bounces == 3
    assert rows["ravi"].timeouts == 3
    body = response.content.decode()
    link = f"level=person&amp;figure=quick_passes&amp;key={october.ana.pk}&amp;tier={october.t1.pk}"
    assert link in body
    drill = client.get(
        reverse("reports-drill-down"),
        {
            "month": "2026-10",
            "level": "person",
            "key": october.ana.pk,
            "tier": october.t1.pk,
            "figure": "quick_passes",
        },
    )
    assert drill.status_code == 200
    assert drill.context["page"].paginator.count == 3


def test_the_drill_down_rejects_bad_parameters_by_name(client, october):
    client.force_login(october.andrei)
    response = client.get(
        reverse("reports-drill-down"), {"month": "2026-10", "level": "naps", "figure": "x"}
    )
    assert response.status_code == 400
    assert "level" in response.context["errors"]
    response = client.get(
        reverse("reports-drill-down"), {"month": "2026-10", "level": "person", "figure": "naps"}
    )
    assert response.status_code == 400 and "figure" in response.context["errors"]
    response = client.get(
        reverse("reports-drill-down"),
        {"month": "2026-10", "level": "person", "figure": "held", "key": "x", "tier": "1"},
    )
    assert response.status_code == 400 and "key" in response.context["errors"]
    response = client.get(
        reverse("reports-drill-down"),
        {"month": "2026-10", "level": "day", "figure": "backlog", "key": "2026-11-01"},
    )
    assert response.status_code == 400 and "key" in response.context["errors"]


def test_a_lead_cannot_drill_into_another_departments_tickets(client, october):
    sales_lead = UserFactory(username="sara")
    MembershipFactory(user=sales_lead, tier=october.sales_t1, is_lead=True)
    client.force_login(sales_lead)
    response = client.get(
        reverse("reports-drill-down"),
        {
            "month": "2026-10",
            "level": "person",
            "key": october.ana.pk,
            "tier": october.t1.pk,
            "figure": "quick_passes",
        },
    )
    assert response.status_code == 404
    # Her tickets are in customer service: seen through the lead's own department, none.
    response = client.get(
        reverse("reports-drill-down"),
        {"month": "2026-10", "level": "tier", "key": october.t1.pk, "figure": "opened"},
    )
    assert response.status_code == 200 and response.context["page"].paginator.count == 0
    response = client.get(
        reverse("reports-drill-down"), {"month": "2026-10", "level": "organisation", "figure": "opened"}
    )
    assert response.status_code == 200 and response.context["page"].paginator.count == 0


def test_the_dashboard_needs_the_same_queries_for_5_and_for_50_tickets(client, org):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    start = datetime(2026, 10, 2, 8, tzinfo=UTC)
    end = busy_day(org, start, 2)  # 4 tickets, with answers and comments
    open_ticket(org.ravi, now=end)
    assert Ticket.objects.count() == 5
    client.force_login(org.andrei)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("reports-dashboard"), {"month": "2026-10"})
    end = busy_day(org, end + timedelta(hours=1), 22)
    open_ticket(org.ravi, now=end)
    assert Ticket.objects.count() == 50
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("reports-dashboard"), {"month": "2026-10"})
    assert len(few) == len(many)
    assert len(many) <= 40


def test_the_page_has_a_print_layout(client, org):
    response = dashboard(client, org.andrei, month="2026-10")
    assert "css/reports.css" in response.content.decode()
    from pathlib import Path

    css = (Path(__file__).resolve().parents[2] / "static/css/reports.css").read_text()
    assert "@media print" in css


def test_last_full_month_is_the_month_before_now():
    assert last_full_month(NOVEMBER_NOW) == OCTOBER
    assert last_full_month(datetime(2027, 1, 3, tzinfo=UTC)) == Month(2026, 12)


def test_a_drill_down_needs_the_same_queries_for_few_and_many_tickets(client, org):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    end = busy_day(org, datetime(2026, 10, 2, 8, tzinfo=UTC), 2)
    client.force_login(org.andrei)
    params = {"month": "2026-10", "level": "person", "figure": "held", "key": org.ana.pk,
              "tier": org.t1.pk}
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("reports-drill-down"), params).status_code == 200
    busy_day(org, end + timedelta(hours=1), 20)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("reports-drill-down"), params)
    assert response.context["page"].paginator.count == 22
    assert len(few) == len(many) <= 12
