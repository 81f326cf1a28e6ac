"""Ledger entries written before the journey columns existed give the same figures.

The actions store ``Handoff.since_previous`` and ``Ticket.last_handoff_at`` with every
write; rows from before that migration have them empty (the ledger refuses UPDATE, so they
are never backfilled) and the reports must fall back to the ledger for exactly those rows.
"""

import pytest
from django.db import connection

from reports.metrics import monthly_report
from reports.metrics.rules import Rules
from tests.reports import reference
from tests.reports.simulation import simulate
from tests.reports.test_metrics_match_reference import OCTOBER, assert_same, normalised
from tickets.models import Handoff, Ticket


def forget_journeys_before(handoff_id: int) -> None:
    """Empty the stored facts of the older entries, as if written before the migration.

    Only a test may do this: the append-only trigger is switched off inside the test's
    transaction, which is rolled back at its end.
    """
    with connection.cursor() as cursor:
        # Foreign keys are deferred: fire their pending checks, or ALTER TABLE refuses.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE tickets_handoff DISABLE TRIGGER tickets_handoff_append_only")
        cursor.execute(
            "UPDATE tickets_handoff SET since_previous = NULL WHERE id < %s", [handoff_id]
        )
        cursor.execute("ALTER TABLE tickets_handoff ENABLE TRIGGER tickets_handoff_append_only")
    Ticket.objects.filter(handoffs__id__lt=handoff_id).update(last_handoff_at=None)


@pytest.mark.slow
def test_figures_are_the_same_when_older_entries_have_no_stored_journey(org):
    simulate(org, OCTOBER.start, OCTOBER.end, seed=5, tickets=45)
    ids = sorted(Handoff.objects.values_list("id", flat=True))
    forget_journeys_before(ids[len(ids) // 2])
    assert Handoff.objects.filter(since_previous__isnull=True, kind="passed").exists()
    assert Handoff.objects.filter(since_previous__isnull=False, kind="passed").exists()
    assert Ticket.objects.filter(last_handoff_at__isnull=True).exists()

    ledger = reference.Ledger()
    rules = Rules.from_settings()
    expected = reference.compute(ledger, OCTOBER.start, OCTOBER.end, rules=rules)
    assert_same(normalised(monthly_report(OCTOBER)), expected)
    expected_cs = reference.compute(
        ledger, OCTOBER.start, OCTOBER.end, department_id=org.cs.pk, rules=rules
    )
    assert_same(normalised(monthly_report(OCTOBER, org.cs)), expected_cs)


def test_the_dashboard_benchmark_writes_the_journeys_the_actions_would(org):
    """bench/dashboard.py fills the columns by COPY: they must equal the ledger's say."""
    from bench import dashboard

    dashboard.generate(300, seed=3)

    assert Ticket.objects.count() >= 300
    assert Handoff.objects.filter(since_previous__isnull=False).exists()
    assert dashboard.journey_mismatches() == (0, 0, 0)
