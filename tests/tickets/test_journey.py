"""The journey columns the actions keep (Ticket.handoff_count, tiers_visited, last_handoff_at,
owned_since, Handoff.since_previous, held_for) say exactly what replaying the ledger says, on
every write path."""

import importlib
import random
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from core.errors import TierdeskError
from escalation.sweep import escalate_overdue
from tests.factories import open_ticket
from tickets import actions
from tickets.actions import escalation as sweep_writes
from tickets.models import NOT_A_CHANGE_OF_HANDS, Handoff, HandoffKind, Holding, Ticket

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
TWENTY_HOURS = timedelta(hours=20)
MOVES_TO_ANOTHER_TIER = {HandoffKind.PASSED, HandoffKind.ESCALATED, HandoffKind.TRANSFERRED}


def replayed_journey(ticket: Ticket) -> tuple[int, int, datetime]:
    """(handoff count, tiers visited, time of the latest entry) from the ticket's ledger."""
    handoffs = list(ticket.handoffs.order_by("id"))
    return (
        sum(1 for h in handoffs if h.kind not in NOT_A_CHANGE_OF_HANDS),
        len({h.to_tier_id for h in handoffs}),
        handoffs[-1].at,
    )


def stored_journey(ticket: Ticket) -> tuple[int, int, datetime]:
    ticket = Ticket.objects.get(pk=ticket.pk)
    return ticket.handoff_count, ticket.tiers_visited, ticket.last_handoff_at


def replayed_holdings() -> dict[tuple[int, int, int], datetime]:
    """{(ticket, owner, tier): first time the ledger gave the ticket to them there}."""
    holdings = {}
    for h in Handoff.objects.order_by("id"):
        if h.to_owner_id is not None and h.kind != HandoffKind.RESOLVED:
            holdings.setdefault((h.ticket_id, h.to_owner_id, h.to_tier_id), h.at)
    return holdings


def stored_holdings() -> dict[tuple[int, int, int], datetime]:
    return {
        (ticket_id, owner_id, tier_id): first
        for ticket_id, owner_id, tier_id, first in Holding.objects.values_list(
            "ticket_id", "owner_id", "tier_id", "first_received_at"
        )
    }


def assert_every_journey_matches_the_ledger() -> None:
    assert stored_holdings() == replayed_holdings()
    for ticket in Ticket.objects.all():
        assert stored_journey(ticket) == replayed_journey(ticket), ticket.reference
        previous = None
        owned_since = None
        for handoff in ticket.handoffs.order_by("id"):
            expected = None if previous is None else handoff.at - previous.at
            assert handoff.since_previous == expected, (ticket.reference, handoff.kind)
            # How long the previous owner had held it: since the entry that gave it to them.
            held = handoff.at - owned_since if handoff.from_owner_id is not None else None
            assert handoff.held_for == held, (ticket.reference, handoff.kind)
            if previous is not None and previous.kind not in MOVES_TO_ANOTHER_TIER:
                # Inside a tier visit the clock is the same one: same deadline, same time.
                assert (handoff.due_at, handoff.tier_time) == (previous.due_at, previous.tier_time)
            if handoff.to_owner_id != handoff.from_owner_id:
                owned_since = handoff.at if handoff.to_owner_id is not None else None
            previous = handoff
        assert ticket.owned_since == owned_since, ticket.reference


def random_work(org, rng, *, moves: int, start: datetime) -> None:
    """Every action, the sweep included, in a random order on a dozen tickets."""
    people = [org.ana, org.ravi, org.ioana, org.marko, org.priya, org.andrei, org.elena]
    now = start
    tickets = [
        open_ticket(rng.choice([org.ana, org.ravi, org.marko, org.andrei]), now=now)
        for _ in range(12)
    ]
    for _ in range(moves):
        now += timedelta(minutes=rng.choice([1, 5, 30, 120, 600]))
        ticket = Ticket.objects.get(pk=rng.choice(tickets).pk)
        # The owner acts most of the time (only they may pass, transfer or resolve).
        actor = ticket.owner if ticket.owner and rng.random() < 0.6 else rng.choice(people)
        # Unowned tickets are mostly claimed first, so owners get to pass and resolve.
        choice = 0 if ticket.owner_id is None and rng.random() < 0.6 else rng.randrange(1, 9)
        try:
            if choice == 0:
                actions.do_claim_ticket(ticket, by=actor, now=now)
            elif choice == 1:
                actions.do_release_ticket(ticket, by=actor, now=now)
            elif choice == 2:
                actions.do_assign_ticket(ticket, by=actor, to=rng.choice(people), now=now)
            elif choice == 3:
                actions.do_pass_up(ticket, by=actor, note="Tried what I could", now=now)
            elif choice == 4:
                department = rng.choice([org.cs, org.sales])
                actions.do_transfer_ticket(
                    ticket, by=actor, department=department, note="Theirs", now=now
                )
            elif choice == 5 and rng.random() < 0.2:
                actions.do_resolve_ticket(ticket, by=actor, resolution="Sorted", now=now)
            elif choice == 6:
                actions.do_add_note(ticket, by=actor, body="Called back", now=now)
            else:
                escalate_overdue(now=now)
        except TierdeskError:
            pass


@pytest.mark.parametrize("seed", [20261123, 7])
def test_stored_journeys_equal_the_replayed_ledger_after_random_work(org, seed):
    random_work(org, random.Random(seed), moves=400, start=timezone.now())

    kinds = set(Handoff.objects.values_list("kind", flat=True))
    assert {"opened", "claimed", "passed", "escalated", "breached", "transferred"} <= kinds
    # The walk revisited tiers (transfers back and forth), so the distinct count is tested.
    assert Ticket.objects.filter(handoff_count__gt=2).exists()
    assert_every_journey_matches_the_ledger()


def test_a_new_ticket_starts_its_journey_at_its_opening(org):
    ticket = open_ticket(org.ana, now=T0)

    assert stored_journey(ticket) == (0, 1, T0)
    assert ticket.handoffs.get().since_previous is None


def test_opening_and_resolving_on_the_call_is_no_change_of_hands(org):
    ticket = actions.do_open_and_resolve_ticket(
        by=org.ana,
        resolution="Explained.",
        subject="Invoice",
        customer=open_ticket(org.ana).customer,
        now=T0,
    )

    assert stored_journey(ticket) == (0, 1, T0)
    assert ticket.handoffs.get(kind=HandoffKind.RESOLVED).since_previous == timedelta(0)


def test_the_sweep_counts_an_escalation_and_a_new_tier_but_not_a_breach(org):
    ticket = open_ticket(org.ana, now=T0)
    escalate_overdue(now=T0 + TWENTY_HOURS)  # tier 1 -> tier 2
    assert stored_journey(ticket) == (1, 2, T0 + TWENTY_HOURS)

    later = T0 + TWENTY_HOURS + timedelta(minutes=7)
    actions.do_claim_ticket(ticket, by=org.marko, now=later)
    actions.do_pass_up(ticket, by=org.marko, note="Needs an expert", now=later)  # -> tier 3
    top_due = Ticket.objects.get(pk=ticket.pk).due_at
    escalate_overdue(now=top_due + timedelta(seconds=30))  # breach at the top

    assert stored_journey(ticket) == (3, 3, top_due + timedelta(seconds=30))
    breach = ticket.handoffs.get(kind=HandoffKind.BREACHED)
    assert breach.since_previous == top_due + timedelta(seconds=30) - later
    assert_every_journey_matches_the_ledger()


def test_an_escalation_back_into_a_tier_already_visited_adds_no_tier(org):
    ticket = open_ticket(org.ana, now=T0)
    actions.do_pass_up(ticket, by=org.ana, note="Needs a specialist", now=T0 + timedelta(hours=1))
    actions.do_claim_ticket(ticket, by=org.marko, now=T0 + timedelta(hours=2))
    actions.do_transfer_ticket(
        ticket, by=org.marko, department=org.sales, note="Billing", now=T0 + timedelta(hours=3)
    )
    actions.do_claim_ticket(ticket, by=org.elena, now=T0 + timedelta(hours=4))
    actions.do_transfer_ticket(
        ticket, by=org.elena, department=org.cs, note="Not billing", now=T0 + timedelta(hours=5)
    )
    assert stored_journey(ticket)[:2] == (5, 3)  # cs t1, cs t2, sales t1

    escalate_overdue(now=T0 + timedelta(hours=5) + TWENTY_HOURS)  # cs t1 -> t2

    assert Ticket.objects.get(pk=ticket.pk).tier_id == org.t2.pk
    assert stored_journey(ticket)[:2] == (6, 3)
    assert_every_journey_matches_the_ledger()


def test_both_sweep_writers_store_the_same_time_since_the_previous_entry(org):
    first, second = open_ticket(org.ana, now=T0), open_ticket(org.ravi, now=T0)
    now = T0 + TWENTY_HOURS + timedelta(seconds=5)

    def record(ticket):
        return sweep_writes.SweepRecord(
            ticket.pk,
            HandoffKind.ESCALATED,
            ticket.owner_id,
            None,
            org.t1.pk,
            org.t2.pk,
            org.cs.pk,
            "Not resolved",
            ticket.due_at,
            ticket.last_handoff_at,
        )

    sweep_writes._insert_sweep_handoffs([record(first)], now)
    sweep_writes._insert_sweep_handoffs_postgresql([record(second)], now)

    for ticket in (first, second):
        escalation = ticket.handoffs.get(kind=HandoffKind.ESCALATED)
        assert escalation.since_previous == TWENTY_HOURS + timedelta(seconds=5)


def test_a_sweep_record_without_the_previous_time_leaves_since_previous_empty(org):
    ticket = open_ticket(org.ana, now=T0)
    record = (
        ticket.pk,
        HandoffKind.ESCALATED,
        ticket.owner_id,
        None,
        org.t1.pk,
        org.t2.pk,
        org.cs.pk,
        "Not resolved",
        ticket.due_at,
    )

    sweep_writes._insert_sweep_handoffs_postgresql([record], T0 + TWENTY_HOURS)

    assert ticket.handoffs.get(kind=HandoffKind.ESCALATED).since_previous is None


def test_the_migration_backfill_rebuilds_every_journey_from_the_ledger(org):
    random_work(org, random.Random(3), moves=250, start=T0)
    # Forget what the actions stored, then let the migration's statements rebuild it.
    Ticket.objects.update(handoff_count=0, tiers_visited=1, last_handoff_at=None)
    Holding.objects.all().delete()
    migration = importlib.import_module("tickets.migrations.0004_ticket_journey")

    with connection.cursor() as cursor:
        cursor.execute(migration.BACKFILL)
        cursor.execute(migration.HOLDINGS_BACKFILL)

    for ticket in Ticket.objects.all():
        assert stored_journey(ticket) == replayed_journey(ticket), ticket.reference
    assert stored_holdings() == replayed_holdings()
    assert Holding.objects.exists()
