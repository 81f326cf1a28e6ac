"""The facts each action stores with its handoff (the clock that was running, how long the
previous owner had held the ticket) and the ticket's ``owned_since``, on every action."""

import importlib
import random
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from departments.models import Tier
from tests.factories import open_ticket
from tests.tickets.test_journey import random_work
from tickets import actions
from tickets.models import Handoff, HandoffKind, Ticket

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
TWENTY_HOURS = timedelta(hours=20)


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def last_entry(ticket: Ticket) -> Handoff:
    return Handoff.objects.filter(ticket=ticket).order_by("-id").first()


def facts(handoff: Handoff) -> tuple:
    return handoff.tier_time, handoff.due_at, handoff.held_for, handoff.charged_to_id


def test_opening_by_a_member_stores_the_clock_it_starts_and_makes_them_owner_since_then(org):
    ticket = open_ticket(org.ana, now=T0)

    assert fresh(ticket).owned_since == T0
    assert facts(ticket.handoffs.get()) == (TWENTY_HOURS, T0 + TWENTY_HOURS, None, None)


def test_opening_by_someone_without_a_seat_leaves_it_unowned_with_no_owned_since(org):
    Tier.objects.filter(pk=org.t1.pk).update(resolve_within=timedelta(hours=6))
    ticket = open_ticket(org.andrei, now=T0)

    assert fresh(ticket).owned_since is None
    assert facts(ticket.handoffs.get()) == (timedelta(hours=6), T0 + timedelta(hours=6), None, None)


def test_opening_and_resolving_on_the_call_stores_the_same_clock_on_both_entries(org):
    ticket = actions.do_open_and_resolve_ticket(
        by=org.ana, resolution="Explained.", subject="Invoice", customer=open_ticket(org.ana).customer, now=T0
    )

    opened, resolved = ticket.handoffs.order_by("id")
    assert facts(opened) == (TWENTY_HOURS, T0 + TWENTY_HOURS, None, None)
    assert facts(resolved) == (TWENTY_HOURS, T0 + TWENTY_HOURS, timedelta(0), None)
    assert fresh(ticket).owned_since == T0


def test_release_stores_how_long_the_owner_held_it_and_clears_owned_since(org):
    ticket = open_ticket(org.ana, now=T0)

    actions.do_release_ticket(ticket, by=org.ana, note="Off shift", now=T0 + timedelta(hours=3))

    assert fresh(ticket).owned_since is None
    assert facts(last_entry(ticket)) == (TWENTY_HOURS, T0 + TWENTY_HOURS, timedelta(hours=3), None)


def test_claim_starts_owned_since_and_has_nobody_whose_holding_to_measure(org):
    ticket = open_ticket(org.ana, now=T0)
    actions.do_release_ticket(ticket, by=org.ana, now=T0 + timedelta(hours=1))

    actions.do_claim_ticket(ticket, by=org.ravi, now=T0 + timedelta(hours=2))

    assert fresh(ticket).owned_since == T0 + timedelta(hours=2)
    assert facts(last_entry(ticket)) == (TWENTY_HOURS, T0 + TWENTY_HOURS, None, None)


def test_assignment_restarts_owned_since_and_stores_the_previous_owners_holding(org):
    ticket = open_ticket(org.ana, now=T0)

    actions.do_assign_ticket(ticket, by=org.andrei, to=org.ravi, now=T0 + timedelta(minutes=90))

    assert fresh(ticket).owned_since == T0 + timedelta(minutes=90)
    assert facts(last_entry(ticket)) == (TWENTY_HOURS, T0 + TWENTY_HOURS, timedelta(minutes=90), None)


def test_pass_up_stores_the_old_tiers_clock_not_the_new_one(org):
    Tier.objects.filter(pk=org.t2.pk).update(resolve_within=timedelta(hours=8))
    ticket = open_ticket(org.ana, now=T0)

    actions.do_pass_up(ticket, by=org.ana, note="Needs a specialist", now=T0 + timedelta(hours=2))

    ticket = fresh(ticket)
    assert (ticket.owned_since, ticket.due_at) == (None, T0 + timedelta(hours=10))
    assert facts(last_entry(ticket)) == (TWENTY_HOURS, T0 + TWENTY_HOURS, timedelta(hours=2), None)


def test_pass_up_stores_the_tiers_time_in_force_when_it_changed_after_the_ticket_entered(org):
    ticket = open_ticket(org.ana, now=T0)  # due T0 + 20 h, counted with the 20 h of the day
    Tier.objects.filter(pk=org.t1.pk).update(resolve_within=timedelta(hours=12))

    actions.do_pass_up(ticket, by=org.ana, note="Needs a specialist", now=T0 + timedelta(hours=2))

    assert facts(last_entry(ticket))[:2] == (timedelta(hours=12), T0 + TWENTY_HOURS)


def test_transfer_stores_the_old_departments_clock_and_clears_owned_since(org):
    ticket = open_ticket(org.ana, now=T0)

    actions.do_transfer_ticket(
        ticket, by=org.ana, department=org.sales, note="Billing", now=T0 + timedelta(hours=4)
    )

    assert fresh(ticket).owned_since is None
    assert facts(last_entry(ticket)) == (TWENTY_HOURS, T0 + TWENTY_HOURS, timedelta(hours=4), None)


def test_a_manager_passing_an_unowned_ticket_stores_no_holding(org):
    ticket = open_ticket(org.andrei, now=T0)

    actions.do_pass_up(ticket, by=org.andrei, note="Straight to specialists", now=T0 + timedelta(hours=1))

    assert facts(last_entry(ticket)) == (TWENTY_HOURS, T0 + TWENTY_HOURS, None, None)


def test_resolving_keeps_owned_since_and_stores_the_holding_so_far(org):
    ticket = open_ticket(org.ana, now=T0)
    actions.do_assign_ticket(ticket, by=org.andrei, to=org.ravi, now=T0 + timedelta(hours=1))

    actions.do_resolve_ticket(ticket, by=org.ravi, resolution="Refunded", now=T0 + timedelta(hours=5))

    assert fresh(ticket).owned_since == T0 + timedelta(hours=1)
    assert facts(last_entry(ticket)) == (TWENTY_HOURS, T0 + TWENTY_HOURS, timedelta(hours=4), None)


def test_only_escalations_and_breaches_are_ever_charged(org):
    random_work(org, random.Random(11), moves=200, start=T0)

    charged_kinds = set(
        Handoff.objects.filter(charged_to__isnull=False).values_list("kind", flat=True)
    )
    assert charged_kinds and charged_kinds <= {HandoffKind.ESCALATED, HandoffKind.BREACHED}
    assert not Handoff.objects.filter(tier_time__isnull=True).exists()
    assert not Handoff.objects.filter(due_at__isnull=True).exists()


def test_the_migration_backfill_gives_every_owned_ticket_its_owned_since(org):
    random_work(org, random.Random(5), moves=250, start=T0)
    expected = dict(Ticket.objects.values_list("id", "owned_since"))
    assert any(expected.values()) and not all(expected.values())
    # Forget what the actions stored, then let the migration's statement rebuild it.
    Ticket.objects.update(owned_since=None)
    migration = importlib.import_module("tickets.migrations.0005_ledger_facts")

    with connection.cursor() as cursor:
        cursor.execute(migration.OWNED_SINCE_BACKFILL)

    assert dict(Ticket.objects.values_list("id", "owned_since")) == expected


def test_the_migration_never_writes_to_the_ledger():
    migration = importlib.import_module("tickets.migrations.0005_ledger_facts")
    statements = [
        op.sql for op in migration.Migration.operations if hasattr(op, "sql")
    ]

    assert statements == [migration.OWNED_SINCE_BACKFILL]
    assert "UPDATE tickets_ticket" in migration.OWNED_SINCE_BACKFILL
    assert "UPDATE tickets_handoff" not in migration.OWNED_SINCE_BACKFILL
