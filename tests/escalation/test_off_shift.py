"""Time-outs that run out off shift: the sweep's ``off_shift`` and ``working_hours``, and the
notice the tier's leads get when the charged person's next shift starts (escalation.notices)."""

from datetime import timedelta

import pytest
from django.db import connection, transaction

from departments.models import Department, Membership
from escalation.models import OffShiftNotice
from escalation.notices import do_tell_leads_of_off_shift_time_outs
from outbox.models import OutboundEmail
from tests.escalation.test_sweep import T0, TWENTY_HOURS, open_at, sweep_at
from tests.factories import office_hours
from tickets import actions
from tickets.actions import escalation as sweep_writes
from tickets.models import Handoff, HandoffKind

# T0 + 20 h is Tuesday 05:00 UTC, 06:00 in Zagreb: before an office day starts at 08:00.
DUE = T0 + TWENTY_HOURS
NEXT_SHIFT = DUE + timedelta(hours=2)  # Tuesday 08:00 in Zagreb


def timed_out(ticket) -> Handoff:
    return Handoff.objects.get(ticket=ticket, kind__in=[HandoffKind.ESCALATED, HandoffKind.BREACHED])


def give_shifts(user, department):
    Membership.objects.filter(user=user, department=department).update(calendar=office_hours(f"Shifts {user}"))


def test_a_24_7_person_is_never_off_shift_and_the_rule_is_empty(org):
    ticket = open_at(T0, org.ana)
    sweep_at(DUE)
    entry = timed_out(ticket)
    assert (entry.charged_to_id, entry.off_shift, entry.working_hours) == (org.ana.pk, False, None)


def test_a_time_out_before_the_charged_person_s_shift_is_off_shift(org):
    give_shifts(org.ana, org.cs)
    ticket, ravis = open_at(T0, org.ana), open_at(T0, org.ravi)
    sweep_at(DUE)
    assert timed_out(ticket).off_shift is True
    assert timed_out(ravis).off_shift is False  # Ravi has no shifts: the 24/7 department's


def test_a_time_out_during_the_shift_is_on_shift(org):
    give_shifts(org.ana, org.cs)
    ticket = open_at(T0 - timedelta(hours=17), org.ana)  # due Monday 12:00 UTC, 13:00 in Zagreb
    sweep_at(T0 + timedelta(hours=4))
    assert timed_out(ticket).off_shift is False


def test_an_unowned_time_out_has_no_off_shift(org):
    # A manager's opening (Andrei sits at no tier) leaves the ticket unowned: nobody to charge.
    unowned = open_at(T0, org.andrei)
    sweep_at(DUE)
    assert timed_out(unowned).charged_to_id is None
    assert timed_out(unowned).off_shift is None


def test_the_department_calendar_decides_for_members_without_shifts_and_is_recorded(org):
    calendar = office_hours()
    Department.objects.filter(pk=org.cs.pk).update(calendar=calendar)
    ticket = open_at(T0, org.ana)
    opened = Handoff.objects.get(ticket=ticket, kind=HandoffKind.OPENED)
    assert opened.working_hours == calendar.describe()
    ticket.refresh_from_db()
    sweep_at(ticket.due_at)  # the deadline is in working time: at the end of a period
    entry = timed_out(ticket)
    assert entry.working_hours == calendar.describe()
    assert "Europe/Zagreb" in entry.working_hours and "holidays 0:" in entry.working_hours


def test_the_description_changes_with_the_holidays(db):
    from departments.models import Holiday

    calendar = office_hours()
    before = calendar.describe()
    Holiday.objects.create(calendar=calendar, date=T0.date(), name="A day off")
    assert calendar.describe() != before
    assert calendar.describe() == calendar.describe()


@pytest.mark.parametrize("writer", ["postgresql", "orm"])
def test_both_writers_write_the_same_facts(org, monkeypatch, writer):
    give_shifts(org.ana, org.cs)
    if writer == "orm":
        monkeypatch.setattr(sweep_writes, "_insert_sweep_handoffs_postgresql", sweep_writes._insert_sweep_handoffs)
    ticket = open_at(T0, org.ana)
    sweep_at(DUE)
    assert timed_out(ticket).off_shift is True
    from tickets.ledger import verify_chains

    assert list(verify_chains()) == []


# --- the leads' notice --------------------------------------------------------------------


def test_the_lead_is_told_once_when_the_shift_starts(org):
    give_shifts(org.marko, org.cs)
    ticket = open_at(T0, org.ana)
    sweep_at(DUE)  # to Specialists
    ticket.refresh_from_db()
    actions.do_claim_ticket(ticket, by=org.marko, now=DUE + timedelta(minutes=1))
    ticket.refresh_from_db()
    sweep_at(ticket.due_at)  # 20 h later: Wednesday 01:01 UTC, 02:01 in Zagreb
    entry = timed_out_at(ticket, org.t2)
    assert entry.off_shift is True
    ran_out = entry.due_at

    result = do_tell_leads_of_off_shift_time_outs(now=ran_out + timedelta(minutes=5))
    assert (result.created, result.sent) == (1, 0)
    notice = OffShiftNotice.objects.get()
    assert notice.notify_at > ran_out
    assert do_tell_leads_of_off_shift_time_outs(now=notice.notify_at - timedelta(seconds=1)).sent == 0

    result = do_tell_leads_of_off_shift_time_outs(now=notice.notify_at)
    assert result.sent == 1
    email = OutboundEmail.objects.get(kind="off_shift_time_out")
    assert org.ioana.email in email.recipients and ticket.reference in email.subject
    assert "off shift" in email.body
    assert do_tell_leads_of_off_shift_time_outs(now=notice.notify_at + timedelta(hours=1)).sent == 0
    assert OutboundEmail.objects.filter(kind="off_shift_time_out").count() == 1


def timed_out_at(ticket, tier) -> Handoff:
    return Handoff.objects.get(ticket=ticket, from_tier=tier, kind__in=[HandoffKind.ESCALATED, HandoffKind.BREACHED])


def test_on_shift_time_outs_get_no_notice(org):
    open_at(T0, org.ana)
    sweep_at(DUE)
    assert do_tell_leads_of_off_shift_time_outs(now=DUE + timedelta(days=1)).created == 0
    assert not OffShiftNotice.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_send_each_notice_once(org):
    import threading

    give_shifts(org.ana, org.cs)
    for _ in range(12):
        open_at(T0, org.ana)
    sweep_at(DUE)
    do_tell_leads_of_off_shift_time_outs(now=DUE)
    later = DUE + timedelta(days=1)
    barrier = threading.Barrier(4)

    def run():
        barrier.wait()
        try:
            do_tell_leads_of_off_shift_time_outs(now=later, batch_size=3)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with transaction.atomic():
        assert OffShiftNotice.objects.filter(sent_at__isnull=False).count() == 12
    # Front line has no lead in the test organisation: the notices are sent to nobody, once.
    assert OffShiftNotice.objects.filter(sent_at__isnull=True).count() == 0
