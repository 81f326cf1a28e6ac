"""Waiting on the customer: the clock stops, and restarts with exactly the working time left."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from core.errors import Conflict, InvalidInput, NotAllowed
from departments.calendars import working_time_between
from departments.models import Department
from departments.queries import working_hours_of
from escalation.sweep import escalate_overdue, overdue_tickets
from tests.factories import office_hours, open_ticket
from tickets import actions, ledger
from tickets.actions.pause import pause_limit
from tickets.errors import TicketAlreadyDue, TicketNotPaused, TicketPaused, TicketResolved
from tickets.ledger import BrokenLedger, current_state, replay
from tickets.models import Handoff, HandoffKind, Ticket
from tickets.timeline import describe_handoff

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
ZAGREB = ZoneInfo("Europe/Zagreb")
FRIDAY_4PM = datetime(2026, 12, 4, 16, 0, tzinfo=ZAGREB)
REASON = "Asked for the order number and a photo of the box."


def trail(ticket) -> list[Handoff]:
    return list(Handoff.objects.filter(ticket=ticket).order_by("id"))


def fresh(ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def assert_replays(ticket) -> None:
    ticket = fresh(ticket)
    assert replay(trail(ticket)) == current_state(ticket)


def paused_ticket(org, *, opened=T0, paused=T0 + timedelta(hours=3)) -> Ticket:
    ticket = open_ticket(org.ana, now=opened)
    return actions.do_pause_ticket(ticket, by=org.ana, reason=REASON, now=paused)


# --- pausing and resuming keep the time left to the second ---------------------------------


def test_pause_and_resume_keep_the_remaining_time_to_the_second_24_7(org):
    ticket = open_ticket(org.ana, now=T0)
    paused_at = T0 + timedelta(hours=3, seconds=17, microseconds=250)
    actions.do_pause_ticket(ticket, by=org.ana, reason=REASON, now=paused_at)
    paused = fresh(ticket)
    left = T0 + timedelta(hours=20) - paused_at
    assert (paused.paused_at, paused.pause_reason, paused.pause_time_left) == (paused_at, REASON, left)
    assert paused.due_at == T0 + timedelta(hours=20)  # unchanged while paused

    resumed_at = paused_at + timedelta(days=2, seconds=7)
    actions.do_resume_ticket(ticket, by=org.ana, note="Customer phoned back", now=resumed_at)
    resumed = fresh(ticket)
    assert resumed.due_at == resumed_at + left
    assert resumed.tier_entered_at == T0
    assert (resumed.paused_at, resumed.pause_reason, resumed.pause_time_left, resumed.pause_expires_at) == (
        None, "", None, None
    )

    _opened, pause, resume = trail(ticket)
    for entry in (pause, resume):
        assert (entry.from_owner_id, entry.to_owner_id) == (org.ana.pk, org.ana.pk)
        assert (entry.from_tier_id, entry.to_tier_id) == (org.t1.pk, org.t1.pk)
        assert (entry.from_department_id, entry.to_department_id) == (org.cs.pk, org.cs.pk)
        assert entry.tier_time == org.t1.resolve_within
        assert entry.due_at == T0 + timedelta(hours=20)  # the due instant in force when paused
        assert entry.actor_id == org.ana.pk
    assert (pause.kind, pause.note, pause.time_left, pause.paused_for) == ("paused", REASON, left, None)
    assert (resume.kind, resume.note, resume.time_left) == ("resumed", "Customer phoned back", None)
    assert resume.paused_for == timedelta(days=2, seconds=7)
    # Not changes of hands: the journey counts none of them.
    assert resumed.handoff_count == 0 and resumed.last_handoff_at == resumed_at
    assert_replays(ticket)


def test_pause_and_resume_keep_the_remaining_working_time_with_a_calendar(org):
    Department.objects.filter(pk=org.cs.pk).update(calendar=office_hours())
    with time_machine.travel(FRIDAY_4PM, tick=False):
        ticket = open_ticket(org.ana)
    assert ticket.due_at == datetime(2026, 12, 9, 11, 0, tzinfo=ZAGREB)
    # Monday 10:00: 1 h on Friday and 2 h this morning worked, 17 h left.
    paused_at = datetime(2026, 12, 7, 10, 0, tzinfo=ZAGREB)
    actions.do_pause_ticket(ticket, by=org.ana, reason=REASON, now=paused_at)
    assert fresh(ticket).pause_time_left == timedelta(hours=17)

    # Thursday 14:30:15: 2 h 29 min 45 s on Thursday, 8 h on Friday, 6 h 30 min 15 s on Monday.
    resumed_at = datetime(2026, 12, 10, 14, 30, 15, tzinfo=ZAGREB)
    actions.do_resume_ticket(ticket, by=org.ana, now=resumed_at)
    resumed = fresh(ticket)
    assert resumed.due_at == datetime(2026, 12, 14, 15, 30, 15, tzinfo=ZAGREB)
    assert working_time_between(resumed_at, resumed.due_at, working_hours_of(org.cs.pk)) == timedelta(hours=17)
    assert resumed.tier_entered_at == FRIDAY_4PM
    assert trail(ticket)[-1].paused_for == resumed_at - paused_at


def test_a_pause_in_off_hours_keeps_only_working_time(org):
    Department.objects.filter(pk=org.cs.pk).update(calendar=office_hours())
    with time_machine.travel(FRIDAY_4PM, tick=False):
        ticket = open_ticket(org.ana)
    # Saturday noon: only Friday's last hour was worked.
    actions.do_pause_ticket(ticket, by=org.ana, reason=REASON, now=datetime(2026, 12, 5, 12, 0, tzinfo=ZAGREB))
    assert fresh(ticket).pause_time_left == timedelta(hours=19)


# --- the sweep leaves a paused ticket alone ----------------------------------------------


def test_a_paused_ticket_is_not_escalated_by_the_sweep_however_late(org):
    ticket = paused_ticket(org)
    for late in (timedelta(hours=20), timedelta(days=4), timedelta(days=400)):
        assert escalate_overdue(now=T0 + late).escalated == 0
    assert not overdue_tickets(T0 + timedelta(days=400)).filter(pk=ticket.pk).exists()
    assert fresh(ticket).tier_id == org.t1.pk
    assert [h.kind for h in trail(ticket)] == ["opened", "paused"]

    # Resumed, its clock runs again from the time it had left: due 17 h after the resumption.
    resumed_at = T0 + timedelta(days=2)
    actions.do_resume_ticket(ticket, by=org.ana, now=resumed_at)
    assert escalate_overdue(now=resumed_at + timedelta(hours=17) - timedelta(microseconds=1)).escalated == 0
    assert escalate_overdue(now=resumed_at + timedelta(hours=17)).escalated == 1
    assert_replays(ticket)


# --- the customer's answer ------------------------------------------------------------------


def test_the_customers_answer_resumes_the_ticket_in_the_same_transaction(org):
    ticket = paused_ticket(org)
    answered_at = T0 + timedelta(days=1)
    # A colleague takes the customer's call and writes down what they said.
    note = actions.do_add_note(
        ticket, by=org.ravi, body="Order 4411, photo sent.", customer_answer=True, now=answered_at
    )
    assert note.is_customer_answer
    resumed = fresh(ticket)
    assert resumed.paused_at is None
    assert resumed.due_at == answered_at + timedelta(hours=17)
    entry = trail(ticket)[-1]
    assert (entry.kind, entry.actor_id, entry.note) == ("resumed", org.ravi.pk, "The customer answered.")
    assert entry.paused_for == timedelta(hours=21)
    assert_replays(ticket)


def test_the_customers_answer_on_a_running_ticket_is_only_a_note(org):
    ticket = open_ticket(org.ana, now=T0)
    note = actions.do_add_note(ticket, by=org.ana, body="They called.", customer_answer=True, now=T0 + timedelta(hours=1))
    assert note.is_customer_answer
    assert [h.kind for h in trail(ticket)] == ["opened"]
    assert fresh(ticket).due_at == T0 + timedelta(hours=20)


def test_a_plain_note_does_not_resume(org):
    ticket = paused_ticket(org)
    actions.do_add_note(ticket, by=org.ana, body="Still nothing.", now=T0 + timedelta(hours=5))
    assert fresh(ticket).paused_at is not None
    assert [h.kind for h in trail(ticket)] == ["opened", "paused"]


# --- refusals -------------------------------------------------------------------------------


def test_only_the_owner_or_a_manager_may_pause_or_resume(org):
    ticket = open_ticket(org.ana, now=T0)
    for stranger in (org.ravi, org.ioana):
        with pytest.raises(NotAllowed):
            actions.do_pause_ticket(ticket, by=stranger, reason=REASON, now=T0 + timedelta(hours=1))
    actions.do_pause_ticket(ticket, by=org.andrei, reason=REASON, now=T0 + timedelta(hours=1))
    with pytest.raises(NotAllowed):
        actions.do_resume_ticket(ticket, by=org.ravi, now=T0 + timedelta(hours=2))
    actions.do_resume_ticket(ticket, by=org.andrei, now=T0 + timedelta(hours=2))
    assert [h.kind for h in trail(ticket)] == ["opened", "paused", "resumed"]


def test_pausing_twice_resuming_a_running_ticket_and_a_resolved_one_are_conflicts(org):
    ticket = paused_ticket(org)
    with pytest.raises(TicketPaused):
        actions.do_pause_ticket(ticket, by=org.ana, reason=REASON, now=T0 + timedelta(hours=4))
    actions.do_resume_ticket(ticket, by=org.ana, now=T0 + timedelta(hours=5))
    with pytest.raises(TicketNotPaused) as not_paused:
        actions.do_resume_ticket(ticket, by=org.ana, now=T0 + timedelta(hours=6))
    assert not_paused.value.http_status == 409
    actions.do_resolve_ticket(ticket, by=org.ana, resolution="Replaced.", now=T0 + timedelta(hours=7))
    with pytest.raises(TicketResolved):
        actions.do_pause_ticket(ticket, by=org.ana, reason=REASON, now=T0 + timedelta(hours=8))
    assert [h.kind for h in trail(ticket)] == ["opened", "paused", "resumed", "resolved"]


def test_a_pause_needs_a_reason(org):
    ticket = open_ticket(org.ana, now=T0)
    with pytest.raises(InvalidInput) as missing:
        actions.do_pause_ticket(ticket, by=org.ana, reason="   ", now=T0 + timedelta(hours=1))
    assert missing.value.field == "reason"
    assert fresh(ticket).paused_at is None


def test_a_ticket_already_due_cannot_be_paused(org):
    ticket = open_ticket(org.ana, now=T0)
    for at in (T0 + timedelta(hours=20), T0 + timedelta(hours=21)):
        with pytest.raises(TicketAlreadyDue) as due:
            actions.do_pause_ticket(ticket, by=org.ana, reason=REASON, now=at)
        assert due.value.http_status == 409 and due.value.code == "already_due"
    assert [h.kind for h in trail(ticket)] == ["opened"]
    # A second before, it can: one second left.
    actions.do_pause_ticket(ticket, by=org.ana, reason=REASON, now=T0 + timedelta(hours=20, seconds=-1))
    assert fresh(ticket).pause_time_left == timedelta(seconds=1)


def test_an_unowned_ticket_cannot_wait_on_the_customer(org):
    ticket = open_ticket(org.andrei, now=T0)  # a manager logged it: it waits in the queue
    with pytest.raises(Conflict):
        actions.do_pause_ticket(ticket, by=org.andrei, reason=REASON, now=T0 + timedelta(hours=1))


def test_nothing_moves_a_paused_ticket_but_its_end(org):
    ticket = paused_ticket(org)
    later = T0 + timedelta(hours=4)
    moves = [
        lambda: actions.do_release_ticket(ticket, by=org.ana, now=later),
        lambda: actions.do_pass_up(ticket, by=org.ana, note="Tried", now=later),
        lambda: actions.do_transfer_ticket(ticket, by=org.ana, department=org.sales, note="Refund", now=later),
        lambda: actions.do_assign_ticket(ticket, by=org.andrei, to=org.ravi, now=later),
        lambda: actions.do_resolve_ticket(ticket, by=org.ana, resolution="Done", now=later),
    ]
    for move in moves:
        with pytest.raises(TicketPaused):
            move()
    assert [h.kind for h in trail(ticket)] == ["opened", "paused"]


# --- the ledger: replay, chain, words ---------------------------------------------------------


def test_replay_reproduces_the_paused_state(org):
    ticket = paused_ticket(org)
    state = replay(trail(ticket))
    assert state.paused and state == current_state(fresh(ticket))
    actions.do_resume_ticket(ticket, by=org.ana, now=T0 + timedelta(hours=5))
    assert not replay(trail(ticket)).paused
    assert_replays(ticket)


def test_replay_refuses_a_ledger_where_a_paused_ticket_moved(org):
    ticket = paused_ticket(org)
    opened, pause = trail(ticket)
    moved = Handoff(
        pk=pause.pk + 1, ticket=ticket, kind=HandoffKind.RELEASED, at=pause.at, from_owner_id=org.ana.pk,
        to_owner=None, from_tier_id=org.t1.pk, to_tier=org.t1, from_department_id=org.cs.pk, to_department=org.cs,
    )
    with pytest.raises(BrokenLedger):
        replay([opened, pause, moved])
    with pytest.raises(BrokenLedger):
        replay([opened, Handoff(**{**_fields(pause), "kind": HandoffKind.RESUMED})])


def _fields(h: Handoff) -> dict:
    return {f.attname: getattr(h, f.attname) for f in Handoff._meta.concrete_fields}


def test_pause_entries_chain_and_postgresql_hashes_them_as_python_does(org):
    ticket = paused_ticket(org)
    actions.do_resume_ticket(ticket, by=org.ana, now=T0 + timedelta(hours=5))
    previous = None
    for entry in Handoff.objects.filter(ticket=ticket).order_by("id").values("chain_hash", *ledger.CHAIN_FIELD_NAMES):
        assert entry["chain_hash"] == ledger.chain_hash(entry, previous)
        previous = entry["chain_hash"]
    assert list(ledger.verify_chains()) == []
    if connection.vendor != "postgresql":
        return
    expression = ledger.chain_hash_sql(
        {name: f"h.{name}" for name in ledger.CHAIN_FIELD_NAMES},
        "(SELECT p.chain_hash FROM tickets_handoff p WHERE p.ticket_id = h.ticket_id AND p.id < h.id"
        " ORDER BY p.id DESC LIMIT 1)",
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT h.chain_hash, {expression} FROM tickets_handoff h WHERE h.ticket_id = %s", [ticket.pk])
        rows = cursor.fetchall()
    assert len(rows) == 3 and all(stored == sql for stored, sql in rows)


def test_the_new_fields_do_not_change_the_hash_of_entries_without_them(org):
    """The chain's first version, written out: an entry without pause facts hashes as before."""
    import hashlib

    ticket = open_ticket(org.ana, now=T0)
    entry = Handoff.objects.filter(ticket=ticket).values("chain_hash", *ledger.CHAIN_FIELD_NAMES).get()
    parts = [ledger.CHAIN_VERSION, *(ledger._canonical(entry[name], form) for name, form in ledger.CHAIN_FIELDS)]
    v1 = hashlib.sha256("|".join([*parts, ledger.GENESIS]).encode()).hexdigest()
    assert entry["chain_hash"] == v1
    # And a set field does change it (it is covered).
    assert ledger.chain_hash({**entry, "paused_for": timedelta(seconds=1)}, None) != v1


def test_the_timeline_tells_the_pause_in_words(org):
    ticket = paused_ticket(org)
    actions.do_resume_ticket(ticket, by=org.ana, note="Photo received", now=T0 + timedelta(days=1, hours=3))
    _opened, pause, resume = Handoff.objects.filter(ticket=ticket).select_related(
        "actor", "from_tier", "to_tier"
    ).order_by("id")
    assert describe_handoff(pause) == (
        "Ana is waiting on the customer: the clock stopped with 17 h left", REASON
    )
    assert describe_handoff(resume) == (
        "Resumed by Ana after waiting 1 d on the customer: the clock runs again", "Photo received"
    )


# --- the pause limit ----------------------------------------------------------------------------


def test_the_pause_limit_is_five_days_24_7_and_five_working_days_with_a_calendar(org):
    assert pause_limit(T0, 5, None) == T0 + timedelta(days=5)
    Department.objects.filter(pk=org.cs.pk).update(calendar=office_hours())
    hours = working_hours_of(org.cs.pk)
    # Friday afternoon -> the next Friday afternoon; Saturday -> Friday; Wednesday -> Wednesday.
    assert pause_limit(FRIDAY_4PM, 5, hours) == datetime(2026, 12, 11, 16, 0, tzinfo=ZAGREB)
    assert pause_limit(datetime(2026, 12, 5, 10, 0, tzinfo=ZAGREB), 5, hours) == datetime(
        2026, 12, 11, 10, 0, tzinfo=ZAGREB
    )
    assert pause_limit(datetime(2026, 12, 9, 9, 30, tzinfo=ZAGREB), 5, hours) == datetime(
        2026, 12, 16, 9, 30, tzinfo=ZAGREB
    )


# --- the screens ------------------------------------------------------------------------------


def test_the_owner_sees_waiting_on_customer_and_a_paused_ticket_shows_reason_since_and_resume(client, org):
    ticket = open_ticket(org.ana)
    page = reverse("ticket-detail", args=[ticket.reference])
    client.force_login(org.ana)
    html = client.get(page).content.decode()
    assert f'action="{reverse("ticket-pause", args=[ticket.reference])}"' in html
    assert "This is the customer&#x27;s answer" in html or "This is the customer's answer" in html

    response = client.post(reverse("ticket-pause", args=[ticket.reference]), {"reason": REASON})
    assert response.status_code == 302
    html = client.get(page).content.decode()
    assert "Waiting on the customer since" in html and REASON in html
    assert f'action="{reverse("ticket-resume", args=[ticket.reference])}"' in html
    assert f'action="{reverse("ticket-pause", args=[ticket.reference])}"' not in html
    assert f'action="{reverse("ticket-resolve", args=[ticket.reference])}"' not in html

    # The customer's answer, from the note form, restarts the clock.
    response = client.post(
        reverse("ticket-note", args=[ticket.reference]),
        {"body": "Order 4411.", "visibility": "internal", "customer_answer": "on"},
    )
    assert response.status_code == 302
    assert fresh(ticket).paused_at is None


def test_a_pause_without_a_reason_is_a_400_on_the_form(client, org):
    ticket = open_ticket(org.ana)
    client.force_login(org.ana)
    response = client.post(reverse("ticket-pause", args=[ticket.reference]), {"reason": ""})
    assert response.status_code == 400
    assert fresh(ticket).paused_at is None


def test_home_shows_my_paused_tickets_apart_with_how_long_they_waited(client, org):
    running = open_ticket(org.ana, subject="Still running")
    waiting = open_ticket(org.ana, subject="Waiting for a photo")
    with time_machine.travel(datetime.now(UTC) - timedelta(hours=2), tick=False):
        actions.do_pause_ticket(waiting, by=org.ana, reason=REASON)
    client.force_login(org.ana)
    html = client.get(reverse("home")).content.decode()
    section = html.split('id="mine-waiting-h"', 1)
    assert len(section) == 2
    assert waiting.reference in section[1].split("</table>", 1)[0]
    assert running.reference not in section[1].split("</table>", 1)[0]
    assert "waiting on the customer for 2 h" in section[1]
