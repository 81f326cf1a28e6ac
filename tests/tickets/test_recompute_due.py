"""Open tickets' deadlines follow a change of tier time or working hours (invariant 4)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from departments import actions as department_actions
from departments.deadlines import due_at
from departments.queries import working_hours_of
from tests.factories import office_hours, open_ticket
from tickets import actions
from tickets.actions.deadlines import do_recompute_due
from tickets.models import Handoff, Ticket

# A Monday in winter (Zagreb is UTC+1), in the morning.
MONDAY = datetime(2026, 1, 12, 7, 30, tzinfo=UTC)


def open_at(actor, at, **fields):
    with time_machine.travel(at, tick=False):
        return open_ticket(actor, **fields)


def expected_due(ticket: Ticket) -> datetime:
    ticket.refresh_from_db()
    return due_at(ticket.tier_entered_at, ticket.tier.resolve_within, working_hours_of(ticket.department_id))


@pytest.fixture
def tickets(org):
    """Open tickets at tier 1 over a working day and a weekend, one at tier 2, one resolved."""
    opened = [open_at(org.ana, MONDAY + timedelta(hours=hours)) for hours in (0, 3, 9, 14, 110, 130)]
    passed = open_at(org.ana, MONDAY + timedelta(hours=1))
    with time_machine.travel(MONDAY + timedelta(hours=2), tick=False):
        passed = actions.do_pass_up(passed, by=org.ana, note="Needs a specialist.")
    resolved = open_at(org.ana, MONDAY + timedelta(hours=4))
    with time_machine.travel(MONDAY + timedelta(hours=5), tick=False):
        resolved = actions.do_resolve_ticket(resolved, by=org.ana, resolution="Refunded.")
    return opened, passed, resolved


def test_choosing_a_calendar_recomputes_every_open_tickets_due_by_its_working_time(org, tickets):
    opened, passed, resolved = tickets
    resolved_due = Ticket.objects.get(pk=resolved.pk).due_at
    handoffs = Handoff.objects.count()

    department_actions.do_set_department_calendar(org.cs, office_hours(), by=org.andrei, now=MONDAY + timedelta(hours=6))

    for ticket in [*opened, passed]:
        stored = Ticket.objects.get(pk=ticket.pk).due_at
        assert stored == expected_due(ticket)
        assert stored > ticket.tier_entered_at + ticket.tier.resolve_within  # nights and weekends count no more
    assert Ticket.objects.get(pk=resolved.pk).due_at == resolved_due
    assert Handoff.objects.count() == handoffs  # configuration, not a ticket move


def test_going_back_to_24_7_gives_back_plain_addition(org, tickets):
    opened, passed, _resolved = tickets
    department_actions.do_set_department_calendar(org.cs, office_hours(), by=org.andrei)

    department_actions.do_set_department_calendar(org.cs, None, by=org.andrei)

    for ticket in [*opened, passed]:
        stored = Ticket.objects.get(pk=ticket.pk)
        assert stored.due_at == stored.tier_entered_at + stored.tier.resolve_within


def test_changing_the_hours_of_a_calendar_in_use_recomputes_the_due(org, tickets):
    opened, passed, _resolved = tickets
    calendar = office_hours()
    department_actions.do_set_department_calendar(org.cs, calendar, by=org.andrei)

    department_actions.do_change_calendar(calendar, by=org.andrei, monday="06:00-22:00", saturday="09:00-13:00")

    for ticket in [*opened, passed]:
        assert Ticket.objects.get(pk=ticket.pk).due_at == expected_due(ticket)


def test_a_holiday_imported_into_a_calendar_in_use_moves_the_due(org, tickets):
    opened, _passed, _resolved = tickets
    calendar = office_hours()
    department_actions.do_set_department_calendar(org.cs, calendar, by=org.andrei)
    before = Ticket.objects.get(pk=opened[0].pk).due_at

    department_actions.do_import_holidays(
        calendar,
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:1\r\n"
        b"DTSTART;VALUE=DATE:20260113\r\nSUMMARY:Closed\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        by=org.andrei,
    )

    after = Ticket.objects.get(pk=opened[0].pk).due_at
    assert after == expected_due(opened[0])
    assert after - before == timedelta(days=1)  # Tuesday is skipped: Wednesday instead


def test_a_tier_time_change_recomputes_the_open_tickets_at_that_tier_only(org, tickets):
    opened, passed, resolved = tickets
    resolved_due = Ticket.objects.get(pk=resolved.pk).due_at
    passed_due = Ticket.objects.get(pk=passed.pk).due_at

    department_actions.do_change_tier_time(org.t1, by=org.andrei, resolve_within=timedelta(hours=3))

    for ticket in opened:
        stored = Ticket.objects.get(pk=ticket.pk)
        assert stored.due_at == stored.tier_entered_at + timedelta(hours=3)
    assert Ticket.objects.get(pk=passed.pk).due_at == passed_due  # at tier 2
    assert Ticket.objects.get(pk=resolved.pk).due_at == resolved_due


def test_a_tier_time_change_counts_the_departments_working_time(org, tickets):
    opened, _passed, _resolved = tickets
    department_actions.do_set_department_calendar(org.cs, office_hours(), by=org.andrei)

    department_actions.do_change_tier_time(org.t1, by=org.andrei, resolve_within=timedelta(hours=2))

    for ticket in opened:
        assert Ticket.objects.get(pk=ticket.pk).due_at == expected_due(ticket)


def test_breached_tickets_keep_their_due(org, tickets):
    opened, _passed, _resolved = tickets
    breached = opened[0]
    # Stand-in for the sweep's breach: only the flag matters here.
    Ticket.objects.filter(pk=breached.pk).update(breached=True)
    before = Ticket.objects.get(pk=breached.pk).due_at

    department_actions.do_change_tier_time(org.t1, by=org.andrei, resolve_within=timedelta(hours=3))

    assert Ticket.objects.get(pk=breached.pk).due_at == before


def test_another_departments_tickets_are_untouched(org, tickets):
    sales = open_at(org.elena, MONDAY, department=org.sales)
    before = Ticket.objects.get(pk=sales.pk).due_at

    department_actions.do_set_department_calendar(org.cs, office_hours(), by=org.andrei)

    assert Ticket.objects.get(pk=sales.pk).due_at == before


def test_a_24_7_recompute_is_one_update(org, tickets, django_assert_num_queries):
    # The tiers, the departments' hours (none: no holidays query), one UPDATE.
    with django_assert_num_queries(3):
        written = do_recompute_due(department_ids=[org.cs.pk], now=MONDAY)

    assert written == 7


def test_with_a_calendar_each_batch_is_one_update(org, tickets, django_assert_num_queries):
    calendar = office_hours()
    department_actions.do_set_department_calendar(org.cs, calendar, by=org.andrei)
    Ticket.objects.filter(department=org.cs).update(due_at=MONDAY + timedelta(days=30))

    # The tiers, the department with its calendar, its holidays; then per batch of 3 of the
    # 7 open tickets one read and one UPDATE: 3 batches.
    with django_assert_num_queries(3 + 3 * 2), CaptureQueriesContext(connection) as queries:
        written = do_recompute_due(department_ids=[org.cs.pk], now=MONDAY, batch_size=3)

    assert written == 7
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("UPDATE")]
    assert len(updates) == 3
    for ticket in Ticket.objects.filter(department=org.cs, status="open"):
        assert ticket.due_at == expected_due(ticket)


def test_a_ticket_moved_since_it_was_read_keeps_the_due_its_move_gave_it(org, tickets):
    """The batch write re-checks tier and entry instant, so a stale computation is dropped."""
    from tickets.actions import deadlines

    opened, _passed, _resolved = tickets
    ticket = Ticket.objects.get(pk=opened[0].pk)
    stale = [(ticket.pk, ticket.tier_id, ticket.tier_entered_at - timedelta(hours=1), MONDAY + timedelta(days=9))]

    assert deadlines._write_batch(stale) == 0
    assert Ticket.objects.get(pk=ticket.pk).due_at == ticket.due_at


def test_the_sqlite_style_case_writer_gives_the_same_dues(org, tickets, monkeypatch):
    from tickets.actions import deadlines

    department_actions.do_set_department_calendar(org.cs, office_hours(), by=org.andrei)
    Ticket.objects.filter(department=org.cs).update(due_at=MONDAY + timedelta(days=30))
    monkeypatch.setattr(deadlines.connection, "vendor", "sqlite")

    do_recompute_due(department_ids=[org.cs.pk], now=MONDAY, batch_size=4)

    for ticket in Ticket.objects.filter(department=org.cs, status="open"):
        assert ticket.due_at == expected_due(ticket)
