"""Tamper evidence: every handoff is chained to its ticket's previous one, verify_ledger
recomputes the chains, and a daily seal over the chain heads is written and emailed."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from departments.models import Tier
from departments.queries import manager_emails
from escalation.sweep import escalate_overdue
from outbox.models import OutboundEmail
from tests.factories import open_ticket
from tickets import actions, ledger
from tickets.actions import escalation as sweep_writes
from tickets.models import Handoff, HandoffKind, LedgerSeal, Ticket, format_reference
from tickets.tasks import seal_ledger

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
TWENTY_HOURS = timedelta(hours=20)


def entries(ticket: Ticket) -> list[dict]:
    return list(
        Handoff.objects.filter(ticket=ticket).order_by("id").values("id", "chain_hash", *ledger.CHAIN_FIELD_NAMES)
    )


def assert_chained(ticket: Ticket) -> None:
    previous = None
    for entry in entries(ticket):
        assert entry["chain_hash"] == ledger.chain_hash(entry, previous), (ticket.reference, entry["kind"])
        previous = entry["chain_hash"]


def as_superuser_without_triggers(statement: str, params=()) -> None:
    """What a database administrator can do: skip the append-only triggers, then change rows."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(statement, params)
        cursor.execute("SET LOCAL session_replication_role = origin")


def verify(*args) -> tuple[int, str]:
    """Run verify_ledger; return the exit status the command line would give, and its output.

    (``manage.py`` turns a CommandError into ``sys.exit(error.returncode)``.)
    """
    out = StringIO()
    try:
        call_command("verify_ledger", *args, stdout=out, stderr=out)
    except CommandError as error:
        return error.returncode, out.getvalue()
    return 0, out.getvalue()


def worked_tickets(org) -> list[Ticket]:
    """Every kind of entry: opened, claimed, released, assigned, passed, transferred,
    escalated, breached, resolved, with notes that need escaping."""
    first = open_ticket(org.ana, now=T0)
    actions.do_release_ticket(first, by=org.ana, note="Back | to the pool\nline two", now=T0 + timedelta(minutes=5))
    actions.do_claim_ticket(first, by=org.ravi, now=T0 + timedelta(minutes=9))
    actions.do_pass_up(first, by=org.ravi, note="Tried the reset — ☎ nothing", now=T0 + timedelta(hours=1))
    actions.do_assign_ticket(first, by=org.ioana, to=org.marko, note="Yours", now=T0 + timedelta(hours=2))
    actions.do_transfer_ticket(first, by=org.marko, department=org.sales, note="Billing", now=T0 + timedelta(hours=3))
    actions.do_claim_ticket(first, by=org.elena, now=T0 + timedelta(hours=4))
    actions.do_resolve_ticket(first, by=org.elena, resolution="Refunded ✓", now=T0 + timedelta(hours=5))
    second = open_ticket(org.ana, now=T0)
    escalate_overdue(now=T0 + TWENTY_HOURS + timedelta(seconds=7, microseconds=123))
    breaching = open_ticket(org.elena, department=org.sales, now=T0)
    escalate_overdue(now=T0 + TWENTY_HOURS + timedelta(minutes=3))
    return [Ticket.objects.get(pk=t.pk) for t in (first, second, breaching)]


def test_every_action_chains_its_entry_to_the_tickets_previous_one(org):
    tickets = worked_tickets(org)

    kinds = {e["kind"] for t in tickets for e in entries(t)}
    assert {"opened", "claimed", "released", "assigned", "passed", "transferred", "escalated", "breached",
            "resolved"} <= kinds
    for ticket in tickets:
        assert_chained(ticket)
        assert entries(ticket)[0]["chain_hash"] == ledger.chain_hash(entries(ticket)[0], ledger.GENESIS)
    # Chains are per ticket: two tickets' openings at the same instant by the same person differ.
    assert entries(tickets[1])[0]["chain_hash"] != entries(tickets[0])[0]["chain_hash"]
    assert verify()[0] == 0


def test_postgresql_serialises_every_entry_byte_for_byte_as_python_does(org):
    worked_tickets(org)
    expression = ledger.chain_hash_sql(
        {name: f"h.{name}" for name in ledger.CHAIN_FIELD_NAMES},
        "(SELECT p.chain_hash FROM tickets_handoff p WHERE p.ticket_id = h.ticket_id AND p.id < h.id"
        " ORDER BY p.id DESC LIMIT 1)",
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT h.id, h.chain_hash, {expression} FROM tickets_handoff h ORDER BY h.id")
        rows = cursor.fetchall()

    assert len(rows) > 10
    assert [(i, stored) for i, stored, _sql in rows] == [(i, sql) for i, _stored, sql in rows]


@pytest.mark.parametrize("timed_out", ["escalated", "breached"])
def test_both_sweep_writers_write_identical_chain_hashes(org, monkeypatch, timed_out):
    Tier.objects.filter(pk__in=[org.t1.pk, org.sales_t1.pk]).update(name="Première ligne | ☎")
    if timed_out == "breached":
        ticket = open_ticket(org.elena, department=org.sales, now=T0)
    else:
        ticket = open_ticket(org.ana, now=T0)
    actions.do_release_ticket(ticket, by=ticket.owner, note="Ünïcode | note", now=T0 + timedelta(minutes=1))
    swept_at = T0 + TWENTY_HOURS + timedelta(seconds=5, microseconds=42)

    class Rollback(Exception):
        pass

    def sweep_with(writer) -> dict:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(sweep_writes, "_insert_sweep_handoffs_postgresql", writer)
            try:
                with transaction.atomic():
                    escalate_overdue(now=swept_at)
                    written = entries(ticket)[-1]
                    raise Rollback
            except Rollback:
                pass
        return written

    native = sweep_with(sweep_writes._insert_sweep_handoffs_postgresql)
    portable = sweep_with(sweep_writes._insert_sweep_handoffs)

    assert native["kind"] == timed_out
    assert {k: v for k, v in native.items() if k != "id"} == {k: v for k, v in portable.items() if k != "id"}
    previous = entries(ticket)[-1]["chain_hash"]
    assert native["chain_hash"] == ledger.chain_hash(native, previous)


def test_verify_ledger_finds_an_entry_edited_with_the_triggers_off_and_names_it(org):
    tickets = worked_tickets(org)
    victim = tickets[0]
    passed = Handoff.objects.get(ticket=victim, kind=HandoffKind.PASSED)

    as_superuser_without_triggers("UPDATE tickets_handoff SET note = 'Did everything' WHERE id = %s", [passed.pk])

    assert Handoff.objects.get(pk=passed.pk).note == "Did everything"
    status, output = verify()
    assert status == 1
    assert f"{format_reference(victim.pk)}: entry {passed.pk} does not match" in output
    # Only the first broken link of the ticket, and no other ticket.
    assert output.count("broken:") == 1
    with pytest.raises(CommandError, match="1 problem"):
        call_command("verify_ledger", stdout=StringIO())


def test_verify_ledger_finds_a_removed_entry_and_a_cleared_hash(org):
    first, second, _breached = worked_tickets(org)
    released = Handoff.objects.get(ticket=first, kind=HandoffKind.RELEASED)
    escalated = Handoff.objects.get(ticket=second, kind=HandoffKind.ESCALATED)

    as_superuser_without_triggers("DELETE FROM tickets_handoff WHERE id = %s", [released.pk])
    as_superuser_without_triggers("UPDATE tickets_handoff SET chain_hash = NULL WHERE id = %s", [escalated.pk])

    status, output = verify("--batch-size", "2")  # links across batch boundaries too
    assert status == 1
    claimed_after = Handoff.objects.filter(ticket=first, id__gt=released.pk).order_by("id").first()
    assert f"{first.reference}: entry {claimed_after.pk} does not match" in output
    assert f"{second.reference}: entry {escalated.pk} has no hash" in output


def test_the_chain_starts_at_a_tickets_first_hashed_entry(org):
    """Entries written before the chain existed have no hash; the next one chains from genesis."""
    old = open_ticket(org.ana, now=T0)
    as_superuser_without_triggers("UPDATE tickets_handoff SET chain_hash = NULL WHERE ticket_id = %s", [old.pk])
    actions.do_release_ticket(old, by=org.ana, now=T0 + timedelta(minutes=1))
    actions.do_claim_ticket(old, by=org.ravi, now=T0 + timedelta(minutes=2))
    open_ticket(org.ravi, now=T0)

    released = Handoff.objects.get(ticket=old, kind=HandoffKind.RELEASED)
    assert released.chain_hash == ledger.chain_hash(entries(old)[1], ledger.GENESIS)
    status, output = verify()
    assert status == 0, output
    assert "ledger intact" in output


def test_a_clean_ledger_verifies_with_exit_status_zero(org):
    worked_tickets(org)
    status, output = verify("--batch-size", "3")
    assert status == 0, output
    assert "checked 12 entries of 3 tickets (12 hashed" in output


def test_the_seal_is_written_once_a_day_and_emailed_to_the_managers(org, settings):
    worked_tickets(org)
    day_one = datetime(2026, 11, 3, 22, 5, tzinfo=UTC)  # 00:05 on the 4th in Bucharest
    settings.TIERDESK_TIME_ZONE = "Europe/Bucharest"

    with time_machine.travel(day_one, tick=False):
        assert seal_ledger().startswith("sealed 2026-11-04:")
        assert seal_ledger() == "already sealed 2026-11-04"
    with time_machine.travel(day_one + timedelta(hours=12), tick=False):
        assert seal_ledger().startswith("already sealed")

    seal = LedgerSeal.objects.get()
    heads = [entries(t)[-1]["chain_hash"] for t in Ticket.objects.order_by("id")]
    assert (seal.tickets, seal.handoffs) == (3, Handoff.objects.count())
    assert seal.last_handoff_id == Handoff.objects.order_by("-id").first().pk
    assert seal.digest == ledger.seal_figures(seal.last_handoff_id).digest
    assert len(set(heads)) == 3
    emails = OutboundEmail.objects.filter(kind="ledger_seal")
    assert emails.count() == 1
    assert emails.get().recipients == sorted(manager_emails()) and manager_emails()
    assert seal.digest in emails.get().body

    actions.do_claim_ticket(Ticket.objects.filter(status="open", owner=None).first(), by=org.ioana)
    with time_machine.travel(day_one + timedelta(days=1), tick=False):
        assert seal_ledger().startswith("sealed 2026-11-05:")
    assert LedgerSeal.objects.count() == 2
    assert LedgerSeal.objects.order_by("day").last().digest != seal.digest
    assert OutboundEmail.objects.filter(kind="ledger_seal").count() == 2


def test_the_seal_is_append_only(org):
    open_ticket(org.ana)
    seal, written = ledger.do_seal_ledger()
    assert written
    for statement in ("UPDATE tickets_ledgerseal SET digest = 'forged'", "DELETE FROM tickets_ledgerseal"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as c:
            c.execute(statement)
    assert ledger.do_seal_ledger() == (seal, False)


def test_verify_against_the_seal_notices_a_removed_last_entry_the_chain_alone_cannot(org):
    first, second, _breached = worked_tickets(org)
    ledger.do_seal_ledger(now=T0 + timedelta(days=2))
    # Entries after the seal do not disturb it.
    actions.do_claim_ticket(second, by=org.ioana, now=T0 + timedelta(days=2, hours=1))
    assert verify("--against-seal")[0] == 0

    last = Handoff.objects.filter(ticket=first).order_by("-id").first()
    as_superuser_without_triggers("DELETE FROM tickets_handoff WHERE id = %s", [last.pk])

    assert verify()[0] == 0  # what is left of the chain is intact ...
    status, output = verify("--against-seal")
    assert status == 1  # ... but the heads no longer hash to the seal
    assert "does not match" in output and "2 tickets" not in output


def test_the_working_time_facts_are_chained_only_when_set(org):
    """off_shift and working_hours were added after the chain began: an entry without them
    hashes exactly as before, and with them differently, in Python and in PostgreSQL alike."""
    from departments.models import Department, Membership
    from tests.factories import office_hours

    calendar = office_hours()
    Department.objects.filter(pk=org.cs.pk).update(calendar=calendar)
    Membership.objects.filter(user=org.ana, department=org.cs).update(calendar=office_hours("Ana's shifts"))
    ticket = open_ticket(org.ana, now=T0)
    escalate_overdue(now=Ticket.objects.get(pk=ticket.pk).due_at + timedelta(hours=12))
    rows = entries(ticket)
    assert rows[0]["working_hours"] and rows[-1]["working_hours"] and rows[-1]["off_shift"] is not None
    for row in rows:
        without = {k: v for k, v in row.items() if k not in ("off_shift", "working_hours")}
        previous = None if row is rows[0] else rows[rows.index(row) - 1]["chain_hash"]
        assert ledger.chain_hash(row, previous) == row["chain_hash"]
        assert ledger.chain_hash(without, previous) != row["chain_hash"]
    expression = ledger.chain_hash_sql(
        {name: f"h.{name}" for name in ledger.CHAIN_FIELD_NAMES},
        "(SELECT p.chain_hash FROM tickets_handoff p WHERE p.ticket_id = h.ticket_id AND p.id < h.id"
        " ORDER BY p.id DESC LIMIT 1)",
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT h.chain_hash, {expression} FROM tickets_handoff h WHERE h.ticket_id = %s", [ticket.pk])
        assert all(stored == computed for stored, computed in cursor.fetchall())


def test_an_entry_without_the_new_fields_hashes_as_it_always_did():
    entry = {name: None for name, _form in ledger.CHAIN_FIELDS} | {"ticket_id": 1, "kind": "opened"}
    before = ledger.chain_hash(entry, None)
    assert ledger.chain_hash({**entry, "off_shift": None, "working_hours": None}, None) == before
    assert ledger.chain_hash({**entry, "off_shift": False}, None) != before
    assert ledger.chain_hash({**entry, "off_shift": False}, None) != ledger.chain_hash({**entry, "off_shift": True}, None)
