"""The escalation sweep's side effects and cost: who hears of an escalation, the command, queries.

The first half of the sweep's tests (what is due, what an escalation does, the top tier,
daylight saving time) is in tests/escalation/test_sweep.py, whose helpers these share.
"""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from outbox.models import OutboundEmail
from tests.escalation.test_sweep import T0, TWENTY_HOURS, deliver_everything, open_at, sweep_at
from tickets.actions import escalation as sweep_writes
from tickets.models import Handoff, HandoffKind, Ticket

# --- who hears about it, and when ---------------------------------------------------------


def test_new_tier_leads_are_emailed_only_after_the_sweep_commits(
    org, django_capture_on_commit_callbacks
):
    ticket = open_at(T0, org.ana, subject="Parcel lost")
    at = T0 + TWENTY_HOURS

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sweep_at(at)
        # Written in the sweep's transaction, but nothing handed to the broker yet.
        assert OutboundEmail.objects.filter(kind="escalated", sent_at__isnull=True).count() == 1
    assert len(callbacks) == 1
    assert mail.outbox == []

    callbacks[0]()  # the commit: hand the email to the broker (no worker runs in this test)
    assert mail.outbox == []
    assert deliver_everything(at) == 1

    [message] = mail.outbox
    assert message.to == [org.ioana.email]
    assert ticket.reference in message.body
    assert org.t2.name in message.subject
    assert OutboundEmail.objects.get(kind="escalated").sent_at is not None


def test_managers_are_emailed_when_a_ticket_breaches(org, django_capture_on_commit_callbacks):
    ticket = open_at(T0, org.elena, department=org.sales, subject="Quote never sent")
    at = T0 + TWENTY_HOURS

    with django_capture_on_commit_callbacks(execute=True):
        sweep_at(at)
    assert mail.outbox == []
    deliver_everything(at)

    [message] = mail.outbox
    assert message.to == [org.andrei.email]
    assert ticket.reference in message.body
    assert "breached" in message.subject


def test_sweep_that_rolls_back_sends_nothing(org, django_capture_on_commit_callbacks):
    open_at(T0, org.ana)

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        sweep_at(T0 + TWENTY_HOURS)
        raise RuntimeError("the enclosing work failed")

    assert callbacks == []
    assert OutboundEmail.objects.count() == 0
    assert Handoff.objects.filter(kind=HandoffKind.ESCALATED).count() == 0
    assert deliver_everything(T0 + TWENTY_HOURS) == 0
    assert mail.outbox == []


def test_one_email_per_receiving_tier_lists_every_ticket(org, django_capture_on_commit_callbacks):
    first = open_at(T0, org.ana, subject="First")
    second = open_at(T0, org.ravi, subject="Second")
    at = T0 + TWENTY_HOURS

    with django_capture_on_commit_callbacks(execute=True):
        sweep_at(at)
    deliver_everything(at)

    [message] = mail.outbox
    assert message.to == [org.ioana.email]
    assert first.reference in message.body and second.reference in message.body


# --- the command --------------------------------------------------------------------------


def test_escalate_overdue_command_says_what_it_did(org):
    open_at(T0, org.ana)
    open_at(T0, org.ravi)
    open_at(T0, org.elena, department=org.sales)
    open_at(T0 + timedelta(hours=1), org.ana)

    out = StringIO()
    with time_machine.travel(T0 + TWENTY_HOURS, tick=False):
        call_command("escalate_overdue", stdout=out)
    assert out.getvalue().strip() == "escalated 2, breached 1"

    out = StringIO()
    with time_machine.travel(T0 + TWENTY_HOURS, tick=False):
        call_command("escalate_overdue", "--batch-size", "1", stdout=out)
    assert out.getvalue().strip() == "escalated 0, breached 0"


def test_escalate_overdue_command_works_in_small_batches(org):
    for _ in range(5):
        open_at(T0, org.ana)

    out = StringIO()
    with time_machine.travel(T0 + TWENTY_HOURS, tick=False):
        call_command("escalate_overdue", "--batch-size", "2", stdout=out)

    assert out.getvalue().strip() == "escalated 5, breached 0"
    assert Ticket.objects.filter(tier=org.t2).count() == 5


# --- cost -----------------------------------------------------------------------------------


def test_sweep_query_count_does_not_grow_with_the_number_of_tickets(org):
    for _ in range(3):
        open_at(T0, org.ana)
    with CaptureQueriesContext(connection) as small:
        sweep_at(T0 + TWENTY_HOURS)
    for _ in range(40):
        open_at(T0 + timedelta(hours=1), org.ana)
    with CaptureQueriesContext(connection) as large:
        sweep_at(T0 + timedelta(hours=1) + TWENTY_HOURS)

    assert Ticket.objects.filter(tier=org.t2).count() == 43
    assert len(large.captured_queries) == len(small.captured_queries)


def test_one_batch_of_the_sweep_costs_a_fixed_handful_of_queries(
    org, django_assert_max_num_queries
):
    for _ in range(25):
        open_at(T0, org.ana)
    open_at(T0, org.elena, department=org.sales)

    # tiers, then per batch: savepoint, lock, (the latest releases, only when a ticket's
    # charge depends on one: none here), update per receiving tier, breach update, handoff
    # insert, leads, managers, outbox insert, release; then the empty last look.
    with django_assert_max_num_queries(14):
        result = sweep_at(T0 + TWENTY_HOURS)
    assert (result.escalated, result.breached, result.batches) == (25, 1, 1)


def test_postgresql_and_portable_handoff_writers_write_identical_rows(org):
    """The sweep writes handoffs with one INSERT ... unnest on PostgreSQL, the ORM elsewhere."""
    first, second = open_at(T0, org.ana), open_at(T0, org.ravi)
    unowned_first, unowned_second = open_at(T0, org.andrei), open_at(T0, org.andrei)
    now = T0 + TWENTY_HOURS + timedelta(seconds=5)

    def record(ticket, kind=HandoffKind.ESCALATED, charged=None):
        return (
            ticket.pk,
            kind,
            ticket.owner_id,
            None,
            org.t1.pk,
            org.t2.pk,
            org.cs.pk,
            "Not resolved",
            ticket.due_at,
            ticket.last_handoff_at,
            ticket.owned_since,
            org.t1.resolve_within,
            charged,
        )

    sweep_writes._insert_sweep_handoffs([record(first, charged=org.ravi.pk), record(unowned_first)], now)
    sweep_writes._insert_sweep_handoffs_postgresql(
        [record(second, charged=org.ravi.pk), record(unowned_second)], now
    )
    sweep_writes._insert_sweep_handoffs_postgresql([], now)

    fields = (
        "kind",
        "at",
        "actor_id",
        "to_owner_id",
        "from_tier_id",
        "to_tier_id",
        "from_department_id",
        "to_department_id",
        "note",
        "sweep_lateness",
        "since_previous",
        "tier_time",
        "due_at",
        "held_for",
        "charged_to_id",
    )
    for one, other in ((first, second), (unowned_first, unowned_second)):
        portable, native = (
            Handoff.objects.filter(ticket=t, kind=HandoffKind.ESCALATED).values(*fields).get()
            for t in (one, other)
        )
        assert portable == native
    assert native["sweep_lateness"] == timedelta(seconds=5)
    assert (native["tier_time"], native["due_at"]) == (TWENTY_HOURS, T0 + TWENTY_HOURS)
    assert (native["held_for"], native["charged_to_id"]) == (None, None)
    owned = Handoff.objects.get(ticket=second, kind=HandoffKind.ESCALATED)
    assert (owned.held_for, owned.charged_to_id) == (TWENTY_HOURS + timedelta(seconds=5), org.ravi.pk)
