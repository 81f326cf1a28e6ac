"""Several sweeps at the same instant on real PostgreSQL connections: every ticket moves exactly once.

The naive sweep below is kept on purpose: it shows that this test fails code that reads the
due tickets and then writes them without a row lock, so a green run means something.
"""

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.db import close_old_connections, connections

from departments.deadlines import due_at as deadline
from escalation.sweep import escalate_overdue, overdue_tickets
from tickets.models import Customer, Handoff, HandoffKind, Status, Ticket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(120), pytest.mark.slow]

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
SWEEP_AT = T0 + timedelta(hours=20)
TICKETS = 2_000
THREADS = 4


def build_due_tickets(org, count: int, *, opened_at: datetime) -> list[int]:
    """Fixture builder: ``count`` tickets opened at tier 1, each with its `opened` handoff.

    The same rows ``do_open_ticket`` writes (checked in the first test), inserted in two bulk
    statements because 2,000 separate actions would dominate the test's run time.
    """
    customer = Customer.objects.create(name="Bulk customer")
    tickets = Ticket.objects.bulk_create(
        Ticket(
            subject=f"Bulk ticket {n}",
            customer=customer,
            department=org.cs,
            tier=org.t1,
            owner=org.ana,
            status=Status.OPEN,
            opened_at=opened_at,
            opened_by=org.ana,
            tier_entered_at=opened_at,
            due_at=deadline(opened_at, org.t1.resolve_within),
        )
        for n in range(count)
    )
    Handoff.objects.bulk_create(
        Handoff(
            ticket_id=t.pk,
            kind=HandoffKind.OPENED,
            at=opened_at,
            actor=org.ana,
            to_owner=org.ana,
            to_tier=org.t1,
            to_department=org.cs,
        )
        for t in tickets
    )
    return [t.pk for t in tickets]


def run_in_threads(work, count: int = THREADS) -> list:
    """Start ``count`` threads that call ``work(barrier)`` together; return their results."""
    barrier = threading.Barrier(count, timeout=60)
    results: list = [None] * count
    errors: list[BaseException] = []

    def runner(index: int) -> None:
        try:
            close_old_connections()
            results[index] = work(barrier)
        except BaseException as exc:  # surfaced in the main thread below
            errors.append(exc)
            barrier.abort()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=100)
    assert not any(t.is_alive() for t in threads), "a sweep thread hung"
    if errors:
        raise errors[0]
    return results


def sweep_together(barrier: threading.Barrier, now: datetime):
    """The real sweep, started by every thread at the same moment."""
    barrier.wait()
    return escalate_overdue(now=now, batch_size=200)


def naive_sweep(barrier: threading.Barrier, now: datetime, next_tier: dict) -> int:
    """What the sweep must not be: read the due ids, then update them one by one, unlocked."""
    due = list(
        overdue_tickets(now).values_list(
            "id", "tier_id", "owner_id", "due_at", "department_id"
        )
    )
    # Every sweep has read the same due list before any of them writes: the race made certain.
    barrier.wait()
    written = 0
    for ticket_id, tier_id, owner_id, due_at, department_id in due:
        target = next_tier[tier_id]
        Ticket.objects.filter(pk=ticket_id).update(
            tier_id=target.pk,
            owner=None,
            tier_entered_at=now,
            due_at=deadline(now, target.resolve_within),
        )
        Handoff.objects.create(
            ticket_id=ticket_id,
            kind=HandoffKind.ESCALATED,
            at=now,
            actor=None,
            from_owner_id=owner_id,
            to_owner=None,
            from_tier_id=tier_id,
            to_tier_id=target.pk,
            from_department_id=department_id,
            to_department_id=department_id,
            sweep_lateness=now - due_at,
        )
        written += 1
    return written


def test_bulk_fixture_builder_writes_what_the_open_action_writes(org):
    from tests.factories import open_ticket
    from tickets.ledger import current_state, replay

    real = open_ticket(org.ana, now=T0)
    [bulk_id] = build_due_tickets(org, 1, opened_at=T0)
    bulk = Ticket.objects.get(pk=bulk_id)

    fields = (
        "department_id",
        "tier_id",
        "owner_id",
        "status",
        "tier_entered_at",
        "due_at",
        "breached",
    )
    assert [getattr(bulk, f) for f in fields] == [getattr(real, f) for f in fields]
    for ticket in (real, bulk):
        assert replay(list(Handoff.objects.filter(ticket=ticket))) == current_state(ticket)


def test_four_sweeps_at_the_same_instant_escalate_each_due_ticket_exactly_once(org):
    ids = build_due_tickets(org, TICKETS, opened_at=T0)

    results = run_in_threads(lambda barrier: sweep_together(barrier, SWEEP_AT))

    assert sum(r.escalated for r in results) == TICKETS
    assert sum(r.breached for r in results) == 0
    escalations = Handoff.objects.filter(kind=HandoffKind.ESCALATED)
    assert escalations.count() == TICKETS
    per_ticket = Counter(escalations.values_list("ticket_id", flat=True))
    assert set(per_ticket) == set(ids)
    assert set(per_ticket.values()) == {1}
    assert set(escalations.values_list("to_tier_id", flat=True)) == {org.t2.pk}
    assert Ticket.objects.filter(pk__in=ids, tier=org.t2, owner=None).count() == TICKETS
    assert (
        Ticket.objects.filter(due_at=deadline(SWEEP_AT, org.t2.resolve_within)).count() == TICKETS
    )


def test_concurrent_sweeps_round_after_round_move_and_breach_each_ticket_once(org):
    ids = build_due_tickets(org, TICKETS, opened_at=T0)
    rounds = [SWEEP_AT, SWEEP_AT + timedelta(hours=20), SWEEP_AT + timedelta(hours=40)]

    for now in rounds:
        results = run_in_threads(lambda barrier, now=now: sweep_together(barrier, now))
        assert sum(r.escalated + r.breached for r in results) == TICKETS

    trail = Counter(Handoff.objects.filter(ticket_id__in=ids).values_list("kind", flat=True))
    assert trail == {
        HandoffKind.OPENED: TICKETS,
        HandoffKind.ESCALATED: 2 * TICKETS,
        HandoffKind.BREACHED: TICKETS,
    }
    assert (
        Ticket.objects.filter(pk__in=ids, tier=org.t3, breached=True, breached_at=rounds[2]).count()
        == TICKETS
    )
    assert set(
        Counter(
            Handoff.objects.filter(kind=HandoffKind.BREACHED).values_list("ticket_id", flat=True)
        ).values()
    ) == {1}


def test_four_naive_sweeps_at_the_same_instant_escalate_tickets_more_than_once(org):
    ids = build_due_tickets(org, TICKETS, opened_at=T0)

    written = run_in_threads(lambda barrier: naive_sweep(barrier, SWEEP_AT, {org.t1.pk: org.t2}))

    escalations = Handoff.objects.filter(kind=HandoffKind.ESCALATED)
    assert sum(written) == escalations.count()
    assert escalations.count() > TICKETS
    assert max(Counter(escalations.values_list("ticket_id", flat=True)).values()) > 1
    assert Ticket.objects.filter(pk__in=ids, tier=org.t2).count() == TICKETS
