"""The handoff ledger: append-only in the database, and replaying it gives the ticket's state."""

import random
from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from core.errors import TierdeskError
from escalation.sweep import escalate_overdue
from tests.factories import open_ticket
from tickets import actions
from tickets.ledger import BrokenLedger, current_state, replay
from tickets.models import Handoff, Ticket


@pytest.fixture(params=["owner", "app role"], autouse=True)
def refusal(request, org):
    """Run every test here twice: as the tables' owner, and as the application's role.

    Returns how the database words its refusal of a change to the ledger: the owner meets
    the append-only trigger; the application's role is not even granted UPDATE, DELETE or
    TRUNCATE (tests/tickets/test_ledger_roles.py).
    """
    if request.param == "app role":
        request.getfixturevalue("as_app_role")
        return "permission denied"
    return "append-only"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE tickets_handoff SET note = 'rewritten'",
        "DELETE FROM tickets_handoff",
        "TRUNCATE tickets_handoff CASCADE",
    ],
)
def test_database_refuses_to_change_or_remove_handoffs(org, statement, refusal):
    ticket = open_ticket(org.ana)

    with pytest.raises(DatabaseError, match=refusal), transaction.atomic(), connection.cursor() as cursor:
        # Foreign keys are deferred: fire their pending checks so TRUNCATE reaches the trigger.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(statement)

    assert ticket.handoffs.get().note == ""


@pytest.mark.django_db
def test_orm_cannot_edit_a_handoff_either(org):
    handoff = open_ticket(org.ana).handoffs.get()
    handoff.note = "forged"

    with pytest.raises(DatabaseError), transaction.atomic():
        handoff.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        Handoff.objects.filter(pk=handoff.pk).delete()


@pytest.mark.django_db
def test_replay_notices_a_change_that_skipped_its_handoff(org):
    ticket = open_ticket(org.ana)
    actions.do_release_ticket(ticket, by=org.ana)
    handoffs = list(ticket.handoffs.all())
    # Pretend the release happened without a record, then a claim by someone else.
    forged = Handoff(
        pk=10**9, ticket=ticket, kind="claimed", at=timezone.now(), from_owner=None, to_owner=org.ravi,
        from_tier=org.t1, to_tier=org.t1, from_department=org.cs, to_department=org.cs,
    )

    with pytest.raises(BrokenLedger):
        replay([handoffs[0], forged])


@pytest.mark.django_db
def test_replaying_the_handoffs_gives_every_tickets_current_state_after_random_work(org):
    rng = random.Random(20261123)
    people = [org.ana, org.ravi, org.ioana, org.marko, org.priya, org.andrei, org.elena]
    departments = [org.cs, org.sales]
    start = timezone.now()
    now = start
    tickets = [open_ticket(rng.choice([org.ana, org.ravi, org.marko]), now=now) for _ in range(12)]

    def random_move(ticket, actor):
        choice = rng.randrange(8)
        if choice == 0:
            actions.do_claim_ticket(ticket, by=actor, now=now)
        elif choice == 1:
            actions.do_release_ticket(ticket, by=actor, now=now)
        elif choice == 2:
            assignee = rng.choice(people)
            actions.do_assign_ticket(ticket, by=actor, to=assignee, now=now)
        elif choice == 3:
            actions.do_pass_up(ticket, by=actor, note="Tried what I could", now=now)
        elif choice == 4:
            department = rng.choice(departments)
            actions.do_transfer_ticket(ticket, by=actor, department=department, note="Theirs", now=now)
        elif choice == 5 and rng.random() < 0.3:
            actions.do_resolve_ticket(ticket, by=actor, resolution="Sorted", now=now)
        elif choice == 6:
            actions.do_add_note(ticket, by=actor, body="Called back", now=now)
        else:
            escalate_overdue(now=now)

    refused = 0
    for _ in range(400):
        now += timedelta(minutes=rng.choice([1, 5, 30, 120, 600]))
        ticket = Ticket.objects.get(pk=rng.choice(tickets).pk)
        try:
            random_move(ticket, rng.choice(people))
        except TierdeskError:
            refused += 1

    assert refused > 0  # the random walk tried forbidden moves too, and they wrote nothing
    kinds = set(Handoff.objects.values_list("kind", flat=True))
    assert {"opened", "claimed", "passed", "escalated", "transferred"} <= kinds
    for ticket in Ticket.objects.all():
        assert replay(list(ticket.handoffs.all())) == current_state(ticket), ticket.reference
        assert replay_owned_since(list(ticket.handoffs.all())) == ticket.owned_since, ticket.reference
    assert Ticket.objects.filter(owned_since__isnull=False).exists()


def replay_owned_since(handoffs: list[Handoff]):
    """When the ledger last gave the ticket to its current owner (None when unowned).

    Only a change of owner restarts it: a breach mark or the resolution keeps the owner.
    """
    owned_since = None
    for h in sorted(handoffs, key=lambda h: h.pk):
        if h.to_owner_id != h.from_owner_id:
            owned_since = h.at if h.to_owner_id is not None else None
    return owned_since


@pytest.mark.django_db(transaction=True)
def test_truncate_is_refused_outside_the_test_harness_flush(org, refusal):
    """Committed handoffs survive TRUNCATE; only the harness's own flush may empty them."""
    open_ticket(org.ana)

    with pytest.raises(DatabaseError, match=refusal), connection.cursor() as cursor:
        cursor.execute("TRUNCATE tickets_handoff CASCADE")

    assert Handoff.objects.count() == 1
