"""The dashboard reads a month from its snapshot: true as at its instant, links included."""

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports.metrics import snapshots
from reports.metrics.closing import snapshot as figures_of
from reports.metrics.snapshots import current_report, refresh, refresh_due, snapshot_key
from reports.models import ReportSnapshot
from reports.months import Month
from tests.factories import open_ticket
from tests.reports.helpers import answer_latest, busy_day
from tickets import actions

OCTOBER = Month(2026, 10)
TAKEN = datetime(2026, 10, 20, 12, tzinfo=UTC)  # a month still in progress


@pytest.fixture(autouse=True)
def snapshots_on(settings):
    settings.TIERDESK_REPORT_MAX_AGE_SECONDS = 300


@pytest.fixture
def october(org):
    busy_day(org, datetime(2026, 10, 5, 8, tzinfo=UTC), 3)
    return org


def page(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("reports-dashboard"), {"month": OCTOBER.key, **params})
    assert response.status_code == 200
    return response


def linked_numbers(body: str) -> list[tuple[str, int]]:
    return [(unescape(u), int(n)) for u, n in re.findall(r'<a href="([^"]+)" data-count="(\d+)"', body)]


def later_facts(org, at):
    """A ticket resolved and one opened after the snapshot: the ledger moves on."""
    resolved = open_ticket(org.ana, now=at)
    actions.do_resolve_ticket(resolved, by=org.ana, resolution="Done.", now=at + timedelta(minutes=1))
    open_ticket(org.ravi, now=at + timedelta(minutes=2))


def test_the_page_reads_the_month_as_at_its_snapshot_and_every_link_lists_what_it_counted(
    client, october
):
    with time_machine.travel(TAKEN, tick=False):
        first = page(client, october.andrei)
    report = first.context["report"]
    row = ReportSnapshot.objects.get(key=snapshot_key(OCTOBER, None))
    assert row.as_at == report.as_at and row.as_at - TAKEN == timedelta(microseconds=1)
    opened, backlog = report.flow.organisation.opened, report.flow.organisation.backlog

    later_facts(october, TAKEN + timedelta(minutes=1))
    with time_machine.travel(TAKEN + timedelta(minutes=4), tick=False):
        second = page(client, october.andrei)
        body = second.content.decode()
        shown = second.context["report"]
        assert shown.as_at == row.as_at
        assert (shown.flow.organisation.opened, shown.flow.organisation.backlog) == (opened, backlog)
        assert "Figures as at 20 Oct 2026, 15:00" in body  # 12:00 UTC in Bucharest
        links = linked_numbers(body)
        assert len(links) > 40
        for url, count in links:
            assert "as_of=2026-10-20T12:00:00.000001Z" in url
            drill = client.get(url)
            assert drill.status_code == 200, url
            assert drill.context["page"].paginator.count == count, url

    # Once it is older than TIERDESK_REPORT_MAX_AGE_SECONDS the month is read again.
    with time_machine.travel(TAKEN + timedelta(minutes=6), tick=False):
        fresh = page(client, october.andrei).context["report"]
    assert fresh.flow.organisation.opened == opened + 2
    assert fresh.as_at > row.as_at


def test_a_page_from_its_snapshot_equals_the_month_computed_at_that_instant(client, october):
    with time_machine.travel(TAKEN, tick=False):
        computed = refresh(OCTOBER)
        stored = current_report(OCTOBER)
    assert figures_of(stored) == figures_of(computed)
    assert [p.user for p in stored.people] == [p.user for p in computed.people]
    assert stored.satisfaction.breakdowns == computed.satisfaction.breakdowns
    assert stored.resolved_per_day == computed.resolved_per_day
    assert stored.backlog_per_day == computed.backlog_per_day
    assert list(stored.satisfaction.comments) == list(computed.satisfaction.comments)


def test_a_page_from_its_snapshot_needs_the_same_few_queries_whatever_the_month_holds(
    client, org
):
    def queries(at):
        with time_machine.travel(at, tick=False):
            page(client, org.andrei)  # computes and stores the snapshot
            with CaptureQueriesContext(connection) as captured:
                response = client.get(reverse("reports-dashboard"), {"month": OCTOBER.key})
                assert response.context["report"].as_at is not None
        return [q["sql"][:60] for q in captured]

    end = busy_day(org, datetime(2026, 10, 2, 8, tzinfo=UTC), 2)
    few = queries(end + timedelta(hours=1))
    end = busy_day(org, end + timedelta(hours=2), 20)
    many = queries(end + timedelta(hours=1))
    assert len(few) == len(many) <= 8, many


def test_a_department_and_the_organisation_have_snapshots_of_their_own(client, october):
    with time_machine.travel(TAKEN, tick=False):
        page(client, october.andrei)
        page(client, october.andrei, department=october.cs.slug)
    assert set(ReportSnapshot.objects.values_list("key", flat=True)) == {
        f"{OCTOBER.key}:all",
        f"{OCTOBER.key}:{october.cs.pk}",
    }


def test_other_rules_or_a_close_make_the_snapshot_stale(client, october, settings):
    with time_machine.travel(TAKEN, tick=False):
        first = current_report(OCTOBER)
        assert current_report(OCTOBER).as_at == first.as_at
    with time_machine.travel(TAKEN + timedelta(minutes=1), tick=False):
        settings.TIERDESK_QUICK_PASS_MINUTES = 1
        assert current_report(OCTOBER).as_at > first.as_at


def test_a_snapshot_whose_signature_does_not_check_is_never_unpickled(client, october, monkeypatch):
    with time_machine.travel(TAKEN, tick=False):
        refresh(OCTOBER)
    row = ReportSnapshot.objects.get()
    ReportSnapshot.objects.filter(pk=row.pk).update(payload=b"forged" + bytes(row.payload))

    def refuse(_payload):
        raise AssertionError("a forged snapshot was unpickled")

    monkeypatch.setattr(snapshots.pickle, "loads", refuse)
    with time_machine.travel(TAKEN + timedelta(minutes=1), tick=False):
        report = current_report(OCTOBER)
    assert report.flow.organisation.opened == 6
    assert ReportSnapshot.objects.get().as_at > row.as_at


def test_the_comments_csv_has_every_comment_though_the_snapshot_keeps_the_pages(
    client, october, monkeypatch
):
    monkeypatch.setattr(snapshots, "PAGE_COMMENTS", 2)
    with time_machine.travel(TAKEN, tick=False):
        body = page(client, october.andrei).content.decode()
        assert body.count('<blockquote>') == 2
        csv = client.get(reverse("reports-csv", args=["comments"]), {"month": OCTOBER.key})
    assert csv.status_code == 200
    assert sum("comment " in line for line in csv.content.decode().splitlines()) == 3


def test_the_csv_and_the_api_read_the_same_snapshot_as_the_page(client, october):
    with time_machine.travel(TAKEN, tick=False):
        page(client, october.andrei)
    later_facts(october, TAKEN + timedelta(minutes=1))
    with time_machine.travel(TAKEN + timedelta(minutes=3), tick=False):
        api = client.get("/api/v1/reports/monthly/", {"month": OCTOBER.key}).json()
        flow = client.get(reverse("reports-csv", args=["flow"]), {"month": OCTOBER.key})
    assert api["organisation"]["opened"] == 6
    assert datetime.fromisoformat(api["as_at"]) == TAKEN + timedelta(microseconds=1)
    organisation_row = flow.content.decode().splitlines()[1].split(",")
    assert organisation_row[3] == "6"


def test_a_late_answer_after_the_snapshot_is_not_in_its_drill_down(client, october):
    with time_machine.travel(TAKEN, tick=False):
        answers = page(client, october.andrei).context["report"].satisfaction.overall.responses
        url = reverse("reports-drill-down")
        as_of = "2026-10-20T12:00:00.000001Z"
    resolved = open_ticket(october.ana, now=TAKEN + timedelta(minutes=1))
    actions.do_resolve_ticket(resolved, by=october.ana, resolution="Done.", now=TAKEN + timedelta(minutes=2))
    answer_latest(rating=5, comment="", now=TAKEN + timedelta(minutes=3))
    params = {"month": OCTOBER.key, "level": "answers", "figure": "all"}
    with time_machine.travel(TAKEN + timedelta(minutes=4), tick=False):
        then = client.get(url, {**params, "as_of": as_of})
        now = client.get(url, params)
    assert then.context["page"].paginator.count == answers
    assert now.context["page"].paginator.count == answers + 1
    assert "As the ledger stood at 20 Oct 2026, 15:00" in then.content.decode()


@pytest.mark.parametrize("as_of", ["yesterday", "2026-10-20T12:00:00", "2026-13-40T00:00:00Z"])
def test_a_drill_down_at_an_instant_that_is_not_one_is_refused_naming_the_field(
    client, october, as_of
):
    client.force_login(october.andrei)
    response = client.get(
        reverse("reports-drill-down"),
        {"month": OCTOBER.key, "level": "organisation", "figure": "opened", "as_of": as_of},
    )
    assert response.status_code == 400
    assert "as_of" in response.content.decode()


def test_beat_takes_new_snapshots_of_the_months_people_read(client, october):
    with time_machine.travel(TAKEN, tick=False):
        page(client, october.andrei, department=october.cs.slug)
    later = TAKEN + timedelta(minutes=4)
    with time_machine.travel(later, tick=False):
        assert refresh_due() == 3  # October and September for all, October for the department
    keys = dict(ReportSnapshot.objects.values_list("key", "as_at"))
    assert set(keys) == {"2026-10:all", "2026-09:all", f"2026-10:{october.cs.pk}"}
    assert all(at == later + timedelta(microseconds=1) for at in keys.values())

    # A copy of the task queued behind this one finds them fresh.
    with time_machine.travel(later + timedelta(seconds=30), tick=False):
        assert refresh_due() == 0
    # A snapshot nobody has read for an hour is left to expire.
    with time_machine.travel(later + timedelta(hours=2), tick=False):
        assert refresh_due() == 2


def test_with_snapshots_off_every_request_computes_and_stores_nothing(client, october, settings):
    settings.TIERDESK_REPORT_MAX_AGE_SECONDS = 0
    with time_machine.travel(TAKEN, tick=False):
        assert page(client, october.andrei).context["report"].flow.organisation.opened == 6
    assert not ReportSnapshot.objects.exists()


def test_the_pause_and_off_shift_figures_are_read_from_the_snapshot_too(client, october):
    from departments.models import Membership
    from escalation.sweep import escalate_overdue
    from tests.factories import office_hours

    start = datetime(2026, 10, 12, 8, tzinfo=UTC)
    Membership.objects.filter(user=october.ana, department=october.cs).update(calendar=office_hours())
    waiting, late = open_ticket(october.ana, now=start), open_ticket(october.ana, now=start)
    actions.do_pause_ticket(waiting, by=october.ana, reason="Asked for the receipt.", now=start + timedelta(hours=1))
    actions.do_pause_ticket(late, by=october.ana, reason="Asked for a photo.", now=start + timedelta(hours=17))
    actions.do_resume_ticket(late, by=october.ana, now=start + timedelta(hours=18))
    escalate_overdue(now=start + timedelta(hours=21))  # ``late`` ran out at 06:00 in Zagreb
    with time_machine.travel(TAKEN, tick=False):
        first = page(client, october.andrei).context["report"]
    actions.do_resume_ticket(waiting, by=october.ana, now=TAKEN + timedelta(minutes=1))
    with time_machine.travel(TAKEN + timedelta(minutes=2), tick=False):
        second = page(client, october.andrei)
    ana = next(p for p in second.context["report"].people if p.user_id == october.ana.pk)
    assert (ana.pauses, ana.late_pauses, ana.paused_hours, ana.paused_seconds) == (2, 1, 1, 3600)
    assert ana.off_shift_timeouts == 1 and ana.timeouts == 0
    assert figures_of(second.context["report"]) == figures_of(first)
    walked = 0
    with time_machine.travel(TAKEN + timedelta(minutes=3), tick=False):
        for url, count in linked_numbers(second.content.decode()):
            if any(f"figure={name}" in url for name in ("pauses", "paused_hours", "late_pauses", "off_shift")):
                drill = client.get(url)
                assert drill.status_code == 200, url
                assert drill.context["page"].paginator.count == count, url
                walked += 1
    assert walked >= 4
