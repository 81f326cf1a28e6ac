"""The dashboard's figures equal the ledger replayed in plain Python, exactly.

The replay (tests/reports/reference.py) is written from docs/metrics.md, not from the SQL.
The months are played by the product's simulator through the real actions and the real
sweep, with every habit the dumping report must see, over October 2026's clock change.
"""

from datetime import UTC, datetime

import pytest

from reports.metrics import MonthlyReport, flow, monthly_report, people
from reports.metrics.drill import figure_tickets
from reports.months import Month
from tests.reports import reference
from tests.reports.simulated import simulated_october
from tickets.models import Ticket

OCTOBER = Month(2026, 10)  # Europe/Bucharest goes from +03:00 to +02:00 on the 25th
# The report's own lists of its counts; the reference keeps its own, written from the doc.
FLOW_COUNTS = flow.COUNTS
PERSON_COUNTS = people.PERSON_FIGURES


def normalised(report: MonthlyReport) -> dict:
    """The report in the reference's shape."""

    def flow_row(f):
        return {
            **{name: getattr(f, name) for name in FLOW_COUNTS},
            "median": f.median_seconds,
            "p90": f.p90_seconds,
        }

    s = report.satisfaction
    return {
        "flow": {
            "tiers": {t.tier.pk: flow_row(t.figures) for t in report.flow.tier_rows()},
            "departments": {d.department.pk: flow_row(d.figures) for d in report.flow.departments},
            "organisation": flow_row(report.flow.organisation),
        },
        "people": {
            (p.user_id, p.tier_id): {
                **{name: getattr(p, name) for name in PERSON_COUNTS},
                "median_held": p.median_held_seconds,
                "paused_seconds": p.paused_seconds,
                "satisfied": p.satisfied,
                "held_satisfied": p.held_satisfied,
                "flagged": p.flagged,
            }
            for p in report.people
        },
        "satisfaction": {
            "overall": (s.overall.responses, s.overall.satisfied),
            "reasons": {value: n for value, _label, n in s.reasons if n},
            "comments": s.comment_count,
            **{
                dim: {x.key: (x.responses, x.satisfied) for x in shares}
                for dim, shares in s.breakdowns.items()
                if shares
            },
        },
        "days": {
            "resolved": [n for _d, n in report.resolved_per_day],
            "backlog": [n for _d, n in report.backlog_per_day],
        },
    }


def assert_same(actual: dict, expected: dict) -> None:
    # Section by section, so a failure names the figure that differs.
    assert actual["flow"]["organisation"] == expected["flow"]["organisation"]
    assert actual["flow"]["departments"] == expected["flow"]["departments"]
    assert actual["flow"]["tiers"] == expected["flow"]["tiers"]
    for key in expected["people"].keys() | actual["people"].keys():
        assert actual["people"].get(key) == expected["people"].get(key), key
    expected_satisfaction = {k: v for k, v in expected["satisfaction"].items() if v}
    assert actual["satisfaction"] == expected_satisfaction
    assert actual["days"] == expected["days"]


def drill_sets(report: MonthlyReport) -> dict[str, set[int]]:
    """Every count's drill-down, keyed like the reference's ``sets``."""
    scope = report.scope

    def ids(level, figure, key=None, tier=None):
        rows = figure_tickets(scope, level, figure, key, tier)
        return set(Ticket.objects.filter(pk__in=rows).values_list("pk", flat=True))

    sets = {}
    for name in FLOW_COUNTS:
        if not report.department:
            sets[f"flow:organisation:{name}"] = ids("organisation", name)
        for dept in report.flow.departments:
            sets[f"flow:department:{dept.department.pk}:{name}"] = ids(
                "department", name, dept.department.pk
            )
            for t in dept.tiers:
                sets[f"flow:tier:{t.tier.pk}:{name}"] = ids("tier", name, t.tier.pk)
    for p in report.people:
        for name in PERSON_COUNTS:
            sets[f"person:{p.user_id}:{p.tier_id}:{name}"] = ids("person", name, p.user_id, p.tier_id)
    for day, _n in report.resolved_per_day:
        for name in ("resolved", "backlog"):
            sets[f"day:{day.isoformat()}:{name}"] = ids("day", name, day)
    return sets


@pytest.fixture(scope="module")
def october(django_db_setup, django_db_blocker):
    """One simulated October (with a week either side), shared by this module's tests."""
    with django_db_blocker.unblock():
        yield from simulated_october(seed=11)


@pytest.mark.slow
@pytest.mark.django_db
def test_october_over_the_clock_change_matches_the_replayed_ledger(october):
    ledger = reference.Ledger()
    rules = reference.Rules.from_settings()
    report = monthly_report(OCTOBER, live=True)  # everything recorded, also after the close
    expected = reference.compute(ledger, OCTOBER, rules=rules)
    assert_same(normalised(report), expected)
    # The new figures are compared on real numbers, not on zeros.
    for figure in ("pauses", "paused_hours", "late_pauses", "pauses_past_limit", "off_shift_timeouts"):
        assert any(row[figure] for key, row in expected["people"].items() if key != "_sets"), figure
    # Each count's drill-down lists exactly the tickets the replay says are behind it.
    actual_sets = drill_sets(report)
    for key, tickets in expected["sets"].items():
        if key in actual_sets:
            assert actual_sets[key] == tickets, key
    for key, tickets in actual_sets.items():
        assert tickets == expected["sets"].get(key, set()), key


@pytest.mark.slow
@pytest.mark.django_db
def test_one_department_and_the_months_either_side_match_too(october):
    ledger = reference.Ledger()
    rules = reference.Rules.from_settings()
    cs = october.organisation.cs
    report = monthly_report(OCTOBER, cs, live=True)
    assert_same(normalised(report), reference.compute(ledger, OCTOBER, department_id=cs.pk, rules=rules))
    for month in (OCTOBER.previous(), OCTOBER.next()):
        assert_same(normalised(monthly_report(month)), reference.compute(ledger, month, rules=rules))


@pytest.mark.slow
@pytest.mark.django_db
def test_the_simulated_month_has_every_habit_the_report_must_see(october):
    report = monthly_report(OCTOBER)
    org = report.flow.organisation
    assert org.escalated and org.passed_up and org.resolved and org.backlog and org.first_call
    assert org.breached and org.came_back and org.unowned_timeouts
    for figure in (
        "quick_passes",
        "thin_passes",
        "timeouts",
        "late_releases",
        "thin_transfers",
        "returned_transfers",
        "bounces",
        "held_responses",
        # Waiting on the customer and shifts (the simulation plays them too).
        "pauses",
        "paused_hours",
        "paused_seconds",
        "late_pauses",
        "pauses_past_limit",
        "off_shift_timeouts",
    ):
        assert any(getattr(p, figure) for p in report.people), figure
    # Pauses ended every way: by the customer's answer, by their owner and at the limit.
    summary = october.result.summary
    assert summary["customer_answers"] and summary["pauses_expired"]
    assert summary["pauses"] > summary["customer_answers"] + summary["pauses_expired"]
    cast = october.result.cast

    def rows_of(habit):
        return [p for p in report.people if p.user_id == cast[habit].pk]

    assert any("quick_passes" in p.flagged for p in rows_of("dumper"))
    assert any(p.late_releases for p in rows_of("late_releaser"))
    assert any(p.timeouts for p in rows_of("timeout_sitter"))
    assert any(p.returned_transfers for p in rows_of("ping_pong"))
    assert any(p.is_manager and (p.resolved or p.passed_up) for p in rows_of("manager"))
    # The ledger has the shapes that tell tickets from events.
    assert october.result.examples.get("timed_out_twice")
    assert october.result.examples.get("passed_twice")
    assert report.satisfaction.overall.responses
    assert OCTOBER.start == datetime(2026, 9, 30, 21, tzinfo=UTC)
    assert OCTOBER.end == datetime(2026, 10, 31, 22, tzinfo=UTC)


@pytest.mark.slow
@pytest.mark.django_db
def test_a_closed_october_matches_the_replay_as_of_its_close(october):
    from reports.summary import send_monthly_summary

    close = october.closed_at
    assert close is not None, "the simulation sends October's summary on 1 November"
    ledger = reference.Ledger()
    rules = reference.Rules.from_settings()
    expected = reference.compute(ledger, OCTOBER, rules=rules, as_of=close)
    report = monthly_report(OCTOBER)
    assert report.scope.as_of == close
    assert_same(normalised(report), expected)
    assert report.after_close.late_answers, "the simulation answers some surveys after the close"
    assert send_monthly_summary(OCTOBER) == 0  # closed once


@pytest.mark.slow
@pytest.mark.django_db
def test_every_number_on_the_page_links_to_exactly_that_many_tickets(october, client, settings):
    """Walk every linked number of the page (cells, headline, chart points) and open it:
    the page as managers get it, read from the month's stored snapshot."""
    import re
    from html import unescape

    from django.urls import reverse

    from reports.models import ReportSnapshot

    settings.TIERDESK_REPORT_MAX_AGE_SECONDS = 300
    client.force_login(october.organisation.andrei)
    for department in ("", "customer-service"):
        params = {"month": OCTOBER.key, **({"department": department} if department else {})}
        client.get(reverse("reports-dashboard"), params)  # computes and stores the snapshot
        response = client.get(reverse("reports-dashboard"), params)
        assert ReportSnapshot.objects.filter(as_at=response.context["report"].as_at).exists()
        body = response.content.decode()
        links = re.findall(r'<a href="([^"]+)" data-count="(\d+)"', body)
        zeros = re.findall(r'<span data-count="0">', body)
        assert len(links) > 200 and zeros
        for url, count in links:
            response = client.get(unescape(url))
            assert response.status_code == 200, url
            assert response.context["page"].paginator.count == int(count), url
