"""Tickets whose journey columns are empty give the same figures.

The actions keep ``Ticket.last_handoff_at`` with every write, and the reports use it to
skip the ledger look-up for tickets that have not moved since an instant. Rows written
before that column existed have it empty, and for exactly those the reports must read the
ledger instead. And the benchmark, which writes the journeys and the ledger's facts by COPY
instead of through the actions, must write what the actions would.
"""

from datetime import timedelta

import pytest
from django.db.models import F

from departments.models import Department, Tier
from reports.metrics import monthly_report
from reports.metrics.flow import open_at
from reports.simulation import simulate
from tests.reports import reference
from tests.reports.test_metrics_match_reference import OCTOBER, assert_same, normalised
from tickets.models import Handoff, Ticket


@pytest.mark.slow
def test_figures_are_the_same_when_tickets_have_no_stored_last_entry(org):
    # A seed that leaves several tickets open at the month's end (both odd and even ids).
    simulate(OCTOBER.start - timedelta(days=3), 35, seed=7, calls_per_day=5)
    odd = [i for i in Ticket.objects.values_list("id", flat=True) if i % 2]
    Ticket.objects.filter(id__in=odd).update(last_handoff_at=None)
    open_at_end = open_at(OCTOBER.end)
    assert open_at_end.filter(last_handoff_at__isnull=True).exists()
    assert open_at_end.filter(last_handoff_at__isnull=False).exists()

    ledger = reference.Ledger()
    rules = reference.Rules.from_settings()
    assert_same(normalised(monthly_report(OCTOBER)), reference.compute(ledger, OCTOBER, rules=rules))
    assert_same(
        normalised(monthly_report(OCTOBER, org.cs)),
        reference.compute(ledger, OCTOBER, department_id=org.cs.pk, rules=rules),
    )


def test_the_dashboard_benchmark_writes_the_journeys_the_actions_would(org):
    """bench/dashboard.py fills the ledger by COPY: the figures must be the replay's, every one.

    A few hundred tickets over the benchmark's two years: the stored journeys, holdings and
    ledger facts (``held_for``, ``charged_to``) equal what the actions and the sweep would
    have written, and every figure of the month and its drill-down equals the plain-Python
    replay of that ledger, so the benchmark times data the product would really have.
    """
    from bench import dashboard
    from tests.reports.test_metrics_match_reference import drill_sets

    dashboard.generate(450, 220, seed=3)

    assert Ticket.objects.filter(opened_at__gte=OCTOBER.start, opened_at__lt=OCTOBER.end).count() == 220
    assert dashboard.check_ledger() == dict.fromkeys(
        ("journeys", "since_previous", "holdings", "state", "orphans", "outside_life"), 0
    )
    ledger = reference.Ledger()
    facts = reference.entry_facts(ledger)
    stored = {h.pk: (h.held_for, h.charged_to_id) for h in Handoff.objects.all()}
    assert stored == {pk: (f.held_for, f.charged_to) for pk, f in facts.items()}

    rules = reference.Rules.from_settings()
    report = monthly_report(OCTOBER, live=True)
    expected = reference.compute(ledger, OCTOBER, rules=rules)
    assert_same(normalised(report), expected)
    actual_sets = drill_sets(report)
    for key, tickets in actual_sets.items():
        assert tickets == expected["sets"].get(key, set()), key
    cs = Department.objects.get(slug="bench-cs")
    assert_same(
        normalised(monthly_report(OCTOBER, cs, live=True)),
        reference.compute(ledger, OCTOBER, department_id=cs.pk, rules=rules),
    )

    # Every shape the figures look at is in the generated month.
    totals = report.flow.organisation
    for figure in ("opened", "resolved", "resolved_within", "first_call", "came_back",
                   "passed_up", "escalated", "breached", "unowned_timeouts", "backlog"):
        assert getattr(totals, figure), figure
    for figure in ("quick_passes", "thin_passes", "timeouts", "late_releases", "thin_transfers",
                   "returned_transfers", "bounces", "held_responses", "median_held_seconds"):
        assert any(getattr(p, figure) for p in report.people), figure
    month = Handoff.objects.filter(at__gte=OCTOBER.start, at__lt=OCTOBER.end)
    timeouts = month.filter(kind__in=["escalated", "breached"])
    assert timeouts.filter(from_owner__isnull=False, charged_to__isnull=False).exclude(
        charged_to=F("from_owner")
    ).exists(), "a time-out charged to a late releaser, not to the owner"
    assert timeouts.filter(from_owner__isnull=True, charged_to__isnull=False).exists()
    assert month.filter(kind="assigned").exists() and month.filter(kind="released").exists()
    front_line = Tier.objects.get(department=cs, level=1)
    assert month.filter(from_tier=front_line).exclude(tier_time=front_line.resolve_within).exists()
    assert Ticket.objects.filter(status="open", breached=True, opened_at__lt=OCTOBER.start).exists()
