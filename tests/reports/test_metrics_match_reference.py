"""The dashboard's SQL figures equal the ledger replayed in plain Python, exactly."""

from datetime import UTC, datetime

import pytest

from reports.metrics import MonthlyReport, monthly_report
from reports.metrics.aggregates import DumpingRules
from reports.months import Month
from tests.reports import reference
from tests.reports.simulation import simulate

OCTOBER = Month(2026, 10)  # Europe/Bucharest goes from +03:00 to +02:00 on the 25th


def normalised(report: MonthlyReport) -> dict:
    """The report in the reference's shape."""

    def flow(f):
        return {
            "opened": f.opened,
            "resolved": f.resolved,
            "passed_up": f.passed_up,
            "escalated": f.escalated,
            "breached": f.breached,
            "resolved_within": f.resolved_within,
            "backlog": f.backlog,
            "first_call": f.first_call,
            "median": f.median_seconds,
            "p90": f.p90_seconds,
        }

    s = report.satisfaction
    keyed = {
        "department": lambda x: x.key,
        "tier": lambda x: x.key,
        "person": lambda x: x.key,
        "category": lambda x: x.key,
        "channel": lambda x: x.key,
        "handoffs": lambda x: x.key,
        "tiers_visited": lambda x: x.key,
        "time_to_resolve": lambda x: x.key,
    }
    return {
        "flow": {
            "tiers": {t.tier.pk: flow(t.figures) for t in report.flow.tier_rows()},
            "departments": {d.department.pk: flow(d.figures) for d in report.flow.departments},
            "organisation": flow(report.flow.organisation),
        },
        "people": {
            (p.user_id, p.tier_id): {
                "held": p.held,
                "resolved": p.resolved,
                "passed_up": p.passed_up,
                "timeouts": p.timeouts,
                "quick_passes": p.quick_passes,
                "bounces": p.bounces,
                "dumped": p.dumped,
                "median_held": p.median_held_seconds,
                "responses": p.responses,
                "satisfied": p.satisfied,
                "flagged": p.flagged,
            }
            for p in report.people
        },
        "satisfaction": {
            "overall": (s.overall.responses, s.overall.satisfied),
            "reasons": {value: n for value, _label, n in s.reasons if n},
            "comments": s.comment_count,
            **{
                dim: {keyed[dim](x): (x.responses, x.satisfied) for x in shares}
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
    # Compare section by section so a failure names the figure that differs.
    assert actual["flow"]["organisation"] == expected["flow"]["organisation"]
    assert actual["flow"]["departments"] == expected["flow"]["departments"]
    assert actual["flow"]["tiers"] == expected["flow"]["tiers"]
    assert actual["people"] == expected["people"]
    assert actual["satisfaction"] == expected["satisfaction"]
    assert actual["days"] == expected["days"]


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_october_with_the_clock_change_matches_the_replayed_ledger(org, seed):
    simulate(org, OCTOBER.start, OCTOBER.end, seed=seed, tickets=45)
    ledger = reference.Ledger()
    rules = DumpingRules.from_settings()

    expected = reference.compute(ledger, OCTOBER.start, OCTOBER.end, rules=rules)
    assert_same(normalised(monthly_report(OCTOBER)), expected)

    expected_cs = reference.compute(
        ledger, OCTOBER.start, OCTOBER.end, department_id=org.cs.pk, rules=rules
    )
    assert_same(normalised(monthly_report(OCTOBER, org.cs)), expected_cs)


@pytest.mark.slow
def test_the_months_on_either_side_match_the_replayed_ledger_too(org):
    simulate(org, OCTOBER.start, OCTOBER.end, seed=7, tickets=40)
    ledger = reference.Ledger()
    rules = DumpingRules.from_settings()
    for month in (OCTOBER.previous(), OCTOBER.next()):
        expected = reference.compute(ledger, month.start, month.end, rules=rules)
        assert_same(normalised(monthly_report(month)), expected)


def test_the_simulated_month_exercises_every_figure(org):
    """Guard against a generator that never escalates, breaches, bounces or surveys."""
    simulate(org, OCTOBER.start, OCTOBER.end, seed=1, tickets=70)
    report = monthly_report(OCTOBER)
    org_figures = report.flow.organisation
    assert (
        org_figures.escalated
        and org_figures.passed_up
        and org_figures.resolved
        and org_figures.backlog
    )
    assert org_figures.first_call
    assert any(p.quick_passes for p in report.people)
    assert any(p.timeouts for p in report.people)
    assert any(p.bounces for p in report.people)
    assert any(p.flagged for p in report.people)
    assert org_figures.breached
    assert report.satisfaction.overall.responses
    assert OCTOBER.start == datetime(2026, 9, 30, 21, tzinfo=UTC)
    assert OCTOBER.end == datetime(2026, 10, 31, 22, tzinfo=UTC)
