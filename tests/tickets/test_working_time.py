"""Tier times count the department's working time: opening, passing up, the clock, the page."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.urls import reverse

from departments.models import Department
from escalation.sweep import escalate_overdue
from tests.factories import office_hours, open_ticket
from tickets import actions
from tickets.models import Ticket
from tickets.templatetags.tierdesk import countdown_state

ZAGREB = ZoneInfo("Europe/Zagreb")
FRIDAY_4PM = datetime(2026, 12, 4, 16, 0, tzinfo=ZAGREB)


def works_office_hours(department):
    Department.objects.filter(pk=department.pk).update(calendar=office_hours())


def test_a_24_7_department_keeps_today_s_due_times_exactly(org):
    with time_machine.travel(FRIDAY_4PM, tick=False):
        ticket = open_ticket(org.ana)
    assert ticket.due_at == FRIDAY_4PM + timedelta(hours=20)


def test_friday_evening_s_ticket_is_due_in_working_time_not_on_saturday(org):
    works_office_hours(org.cs)
    with time_machine.travel(FRIDAY_4PM, tick=False):
        ticket = open_ticket(org.ana)
    # 1 h on Friday, 8 h on Monday and Tuesday, 3 h on Wednesday.
    assert ticket.due_at == datetime(2026, 12, 9, 11, 0, tzinfo=ZAGREB)

    assert escalate_overdue(now=datetime(2026, 12, 5, 12, 0, tzinfo=ZAGREB)).escalated == 0
    assert escalate_overdue(now=ticket.due_at).escalated == 1


def test_a_ticket_passed_up_or_escalated_gets_the_next_tier_s_working_time(org):
    works_office_hours(org.cs)
    with time_machine.travel(FRIDAY_4PM, tick=False):
        ticket = open_ticket(org.ana)
        actions.do_pass_up(ticket, by=org.ana, note="Tried a reset")
    ticket.refresh_from_db()
    assert ticket.tier == org.t2 and ticket.due_at == datetime(2026, 12, 9, 11, 0, tzinfo=ZAGREB)

    escalate_overdue(now=ticket.due_at)

    ticket.refresh_from_db()
    assert ticket.tier == org.t3
    # Entered at 11:00 on Wednesday: 1 h + 4 h that day, 8 h Thursday, 7 h into Friday.
    assert ticket.due_at == datetime(2026, 12, 11, 16, 0, tzinfo=ZAGREB)


def test_the_countdown_says_working_time_left_and_when_it_is_due(org, client):
    works_office_hours(org.cs)
    with time_machine.travel(FRIDAY_4PM, tick=False):
        ticket = open_ticket(org.ana)
    saturday = datetime(2026, 12, 5, 10, 0, tzinfo=ZAGREB)

    state = countdown_state(ticket, now=saturday, hours=office_hours("Copy").working_hours())

    # Wednesday 11:00 in Zagreb, said on the organisation's clock (Bucharest): 12:00.
    assert state["text"] == "19 h of working time left · due Wed 12:00"
    with time_machine.travel(saturday, tick=False):
        client.force_login(org.ana)
        page = client.get(reverse("ticket-detail", args=[ticket.reference]))
    assert "19 h of working time left · due Wed 12:00" in page.content.decode()


def test_a_viewer_who_chose_a_time_zone_sees_the_deadline_on_their_clock(org, client):
    from departments.models import StaffPreferences

    works_office_hours(org.cs)
    with time_machine.travel(FRIDAY_4PM, tick=False):
        ticket = open_ticket(org.ana)
    StaffPreferences.objects.create(user=org.ana, time_zone="Asia/Kolkata")
    org.ana.set_password("pw-for-the-test")
    org.ana.save()
    client.post("/accounts/login/", {"username": "ana", "password": "pw-for-the-test"})

    with time_machine.travel(datetime(2026, 12, 5, 10, 0, tzinfo=ZAGREB), tick=False):
        page = client.get(reverse("ticket-detail", args=[ticket.reference])).content.decode()

    # Wednesday 11:00 in Zagreb is 15:30 in Kolkata.
    assert "due Wed 15:30" in page
    assert Ticket.objects.get().due_at == datetime(2026, 12, 9, 11, 0, tzinfo=ZAGREB)


def test_the_api_gives_the_working_time_left_in_seconds(org):
    from tests.tickets.api_helpers import client_for

    works_office_hours(org.cs)
    with time_machine.travel(FRIDAY_4PM, tick=False):
        ticket = open_ticket(org.ana)
    with time_machine.travel(datetime(2026, 12, 5, 10, 0, tzinfo=ZAGREB), tick=False):
        listed = client_for(org.ana).get("/api/v1/tickets/").json()["results"][0]
        one = client_for(org.ana).get(f"/api/v1/tickets/{ticket.reference}/").json()

    assert listed["working_time_left_seconds"] == one["working_time_left_seconds"] == 19 * 3600
    assert one["due_at"] == "2026-12-09T10:00:00Z"  # the API speaks UTC
