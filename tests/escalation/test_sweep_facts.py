"""The facts the sweep stores with each escalation and breach, through both of its writers:
the clock that ran out, how long the owner had held the ticket and whom it is charged to."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from departments.models import Tier
from escalation.sweep import escalate_overdue
from tests.factories import open_ticket
from tickets import actions
from tickets.actions import escalation as sweep_writes
from tickets.models import Handoff, HandoffKind, Ticket

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
TWENTY_HOURS = timedelta(hours=20)


@pytest.fixture(params=["postgresql", "orm"])
def writer(request, monkeypatch):
    """Run the whole sweep through its PostgreSQL writer (one INSERT ... unnest), or force
    the portable ORM writer that SQLite (the embedded default) uses."""
    assert connection.vendor == "postgresql"
    if request.param == "orm":
        monkeypatch.setattr(sweep_writes, "_insert_sweep_handoffs_postgresql", sweep_writes._insert_sweep_handoffs)
    return request.param


def sweep_at(instant: datetime):
    with time_machine.travel(instant, tick=False):
        return escalate_overdue()


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def time_out_of(ticket: Ticket) -> Handoff:
    return Handoff.objects.get(ticket=ticket, kind__in=[HandoffKind.ESCALATED, HandoffKind.BREACHED])


def test_an_escalation_stores_the_clock_that_ran_out_the_holding_and_the_charge(org, writer):
    Tier.objects.filter(pk=org.t2.pk).update(resolve_within=timedelta(hours=8))
    ticket = open_ticket(org.ana, now=T0)
    actions.do_assign_ticket(ticket, by=org.andrei, to=org.ravi, now=T0 + timedelta(hours=2))
    swept_at = T0 + TWENTY_HOURS + timedelta(minutes=2)

    sweep_at(swept_at)

    entry = time_out_of(ticket)
    assert entry.kind == HandoffKind.ESCALATED
    assert entry.tier_time == TWENTY_HOURS  # the tier it left, not the 8 h of the one it entered
    assert entry.due_at == T0 + TWENTY_HOURS
    assert entry.held_for == timedelta(hours=18, minutes=2)
    assert entry.charged_to_id == org.ravi.pk
    assert entry.sweep_lateness == timedelta(minutes=2)
    ticket = fresh(ticket)
    assert (ticket.owner_id, ticket.owned_since) == (None, None)


def test_the_sweep_stores_the_tiers_time_in_force_when_it_ran(org, writer):
    ticket = open_ticket(org.ana, now=T0)  # due with the 20 h of the day it was opened
    Tier.objects.filter(pk=org.t1.pk).update(resolve_within=timedelta(hours=30))

    sweep_at(T0 + TWENTY_HOURS)

    assert (time_out_of(ticket).tier_time, time_out_of(ticket).due_at) == (
        timedelta(hours=30),
        T0 + TWENTY_HOURS,
    )


def test_an_unowned_escalation_has_no_holding_and_no_charge_without_a_release(org, writer):
    ticket = open_ticket(org.andrei, now=T0)

    sweep_at(T0 + TWENTY_HOURS)

    entry = time_out_of(ticket)
    assert (entry.from_owner_id, entry.held_for, entry.charged_to_id) == (None, None, None)
    assert (entry.tier_time, entry.due_at) == (TWENTY_HOURS, T0 + TWENTY_HOURS)


def test_an_unowned_escalation_is_charged_to_whoever_released_it(org, writer):
    ticket = open_ticket(org.ana, now=T0)
    actions.do_release_ticket(ticket, by=org.ana, now=T0 + timedelta(hours=1))

    sweep_at(T0 + TWENTY_HOURS)

    entry = time_out_of(ticket)
    assert (entry.from_owner_id, entry.held_for, entry.charged_to_id) == (None, None, org.ana.pk)


def test_a_breach_keeps_the_owner_and_owned_since_and_stores_the_charge(org, writer):
    ticket = open_ticket(org.elena, department=org.sales, now=T0)

    sweep_at(T0 + TWENTY_HOURS + timedelta(seconds=30))

    entry = time_out_of(ticket)
    assert entry.kind == HandoffKind.BREACHED
    assert (entry.tier_time, entry.due_at) == (TWENTY_HOURS, T0 + TWENTY_HOURS)
    assert entry.held_for == TWENTY_HOURS + timedelta(seconds=30)
    assert entry.charged_to_id == org.elena.pk
    assert (fresh(ticket).owner_id, fresh(ticket).owned_since) == (org.elena.pk, T0)


def test_a_breach_after_a_late_release_and_a_late_claim_is_charged_to_the_releaser(org, writer):
    ticket = open_ticket(org.elena, department=org.sales, now=T0)
    actions.do_release_ticket(ticket, by=org.elena, now=T0 + timedelta(hours=16))  # 4 h of 20 h left
    actions.do_claim_ticket(ticket, by=org.andrei, now=T0 + timedelta(hours=19, minutes=30))

    sweep_at(T0 + TWENTY_HOURS)

    entry = time_out_of(ticket)
    assert (entry.from_owner_id, entry.held_for) == (org.andrei.pk, timedelta(minutes=30))
    assert entry.charged_to_id == org.elena.pk


def test_every_fact_of_a_batch_is_the_same_through_either_writer(org):
    """The same batch, swept once through each writer, stores identical rows."""

    def work(offset):
        start = T0 + offset
        owned = open_ticket(org.ana, now=start)
        released = open_ticket(org.ana, now=start)
        actions.do_release_ticket(released, by=org.ana, now=start + timedelta(hours=16))
        late_claim = open_ticket(org.ravi, now=start)
        actions.do_release_ticket(late_claim, by=org.ravi, now=start + timedelta(hours=17))
        actions.do_claim_ticket(late_claim, by=org.ana, now=start + timedelta(hours=19, minutes=45))
        unowned = open_ticket(org.andrei, now=start)
        breach = open_ticket(org.elena, department=org.sales, now=start)
        escalate_overdue(now=start + TWENTY_HOURS + timedelta(minutes=1))
        return [owned, released, late_claim, unowned, breach]

    fields = (
        "kind", "from_owner_id", "to_owner_id", "from_tier_id", "to_tier_id", "note",
        "sweep_lateness", "since_previous", "tier_time", "held_for", "charged_to_id",
    )

    def rows(tickets, offset):
        found = []
        for ticket in tickets:
            row = time_out_of(ticket)
            found.append((*(getattr(row, f) for f in fields), row.due_at - offset, row.at - offset))
        return found

    native = rows(work(timedelta(0)), timedelta(0))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sweep_writes, "_insert_sweep_handoffs_postgresql", sweep_writes._insert_sweep_handoffs)
        portable = rows(work(timedelta(days=7)), timedelta(days=7))

    assert portable == native
    assert [r[fields.index("charged_to_id")] for r in native] == [
        org.ana.pk, org.ana.pk, org.ravi.pk, None, org.elena.pk,
    ]


def test_the_charge_costs_one_query_per_batch_however_many_tickets_need_it(org, writer):
    def released_tickets(n, start):
        for _ in range(n):
            ticket = open_ticket(org.ana, now=start)
            actions.do_release_ticket(ticket, by=org.ana, now=start + timedelta(hours=16))
            actions.do_claim_ticket(ticket, by=org.ravi, now=start + timedelta(hours=19, minutes=30))
        for _ in range(n):
            open_ticket(org.andrei, now=start)

    released_tickets(2, T0)
    with CaptureQueriesContext(connection) as few:
        sweep_at(T0 + TWENTY_HOURS)
    later = T0 + timedelta(hours=1)  # the first tickets, now at tier 2, are not due again yet
    released_tickets(30, later)
    with CaptureQueriesContext(connection) as many:
        sweep_at(later + TWENTY_HOURS)

    assert len(many.captured_queries) == len(few.captured_queries)
    assert sum("ROW_NUMBER" in q["sql"] for q in many.captured_queries) == 1
    assert Handoff.objects.filter(kind=HandoffKind.ESCALATED, charged_to=org.ana).count() == 32


def test_a_batch_that_needs_no_release_does_not_look_for_one(org, writer):
    for _ in range(5):
        open_ticket(org.ana, now=T0)

    with CaptureQueriesContext(connection) as ctx:
        sweep_at(T0 + TWENTY_HOURS)

    assert not any("ROW_NUMBER" in q["sql"] for q in ctx.captured_queries)
    assert Handoff.objects.filter(kind=HandoffKind.ESCALATED, charged_to=org.ana).count() == 5
