"""The figures of waiting on the customer and of shifts, one scenario per definition
(docs/metrics.md: Pauses, Paused hours, Pauses past the limit, Late pauses, Ran out off
shift), each checked on the number and on the tickets its drill-down lists."""

from datetime import timedelta

from departments.models import Membership
from escalation.sweep import escalate_overdue
from reports.metrics import monthly_report
from tests.factories import office_hours, open_ticket
from tests.reports.test_figures import OCTOBER, at, person, tickets_behind
from tickets import actions
from tickets.models import Handoff, HandoffKind


def pause(ticket, who, hours, reason="Asked for the order number."):
    return actions.do_pause_ticket(ticket, by=who, reason=reason, now=at(hours))


def test_pauses_count_the_tickets_a_person_paused_at_that_tier(org):
    once, twice = open_ticket(org.ana, now=at()), open_ticket(org.ana, now=at())
    pause(once, org.ana, 1)
    pause(twice, org.ana, 1)
    actions.do_resume_ticket(twice, by=org.ana, now=at(2))
    pause(twice, org.ana, 3)  # a second pause of the same ticket: still one ticket
    ana = person(monthly_report(OCTOBER), org.ana, org.t1)
    assert ana.pauses == 2
    assert tickets_behind("person", "pauses", org.ana.pk, org.t1.pk) == {once.pk, twice.pk}
    assert ana.dumped == 0  # paused with most of the tier's time left: not late


def test_paused_hours_add_up_the_pauses_that_ended_this_month_whoever_ended_them(org):
    answered, resumed, waiting = (open_ticket(org.ana, now=at()) for _ in range(3))
    pause(answered, org.ana, 1)
    pause(resumed, org.ana, 1)
    pause(waiting, org.ana, 1)  # still waiting: not in the hours yet
    actions.do_add_note(
        answered, by=org.ravi, body="Here is the number.", internal=False, customer_answer=True,
        now=at(3, 30),
    )  # the customer's answer, written by a colleague: 2 h 30 min, still Ana's pause
    actions.do_resume_ticket(resumed, by=org.ana, now=at(2))
    ana = person(monthly_report(OCTOBER), org.ana, org.t1)
    assert ana.paused_seconds == int(timedelta(hours=3, minutes=30).total_seconds())
    assert ana.paused_hours == 2
    assert tickets_behind("person", "paused_hours", org.ana.pk, org.t1.pk) == {answered.pk, resumed.pk}
    assert not any(p.paused_hours for p in monthly_report(OCTOBER).people if p.user_id == org.ravi.pk)


def test_a_pause_past_the_limit_counts_against_who_paused_and_is_dumped(org):
    ticket = open_ticket(org.ana, now=at())
    pause(ticket, org.ana, 1)
    result = actions.do_expire_pauses(now=at(1) + timedelta(days=5, minutes=1))
    assert result.expired == 1
    ana = person(monthly_report(OCTOBER), org.ana, org.t1)
    assert (ana.pauses_past_limit, ana.dumped) == (1, 1)
    assert ana.paused_seconds == int(timedelta(days=5).total_seconds())
    assert tickets_behind("person", "pauses_past_limit", org.ana.pk, org.t1.pk) == {ticket.pk}
    assert tickets_behind("person", "dumped", org.ana.pk, org.t1.pk) == {ticket.pk}


def test_a_late_pause_is_one_made_in_the_last_quarter_of_the_tiers_time(org):
    late, early, edge = (open_ticket(org.ana, now=at()) for _ in range(3))
    pause(late, org.ana, 16)  # 4 h of 20 left: 20 %
    pause(early, org.ana, 14)  # 6 h left: 30 %
    pause(edge, org.ana, 15)  # 5 h left: exactly 25 %, late
    ana = person(monthly_report(OCTOBER), org.ana, org.t1)
    assert ana.late_pauses == 2 and ana.dumped == 2
    assert tickets_behind("person", "late_pauses", org.ana.pk, org.t1.pk) == {late.pk, edge.pk}
    assert tickets_behind("person", "dumped", org.ana.pk, org.t1.pk) == {late.pk, edge.pk}


def test_late_pauses_and_pauses_past_the_limit_are_highlighted_like_the_other_habits(org):
    for _ in range(3):
        pause(open_ticket(org.ana, now=at()), org.ana, 17)
    report = monthly_report(OCTOBER)
    assert "late_pauses" in person(report, org.ana, org.t1).flagged  # 3 against a median of 0


def test_a_time_out_that_ran_out_off_shift_is_shown_apart_and_not_dumped(org):
    # Ana works office hours (Zagreb, UTC+2); the tier is 24/7. Opened at 08:00 UTC, due at
    # 04:00 UTC (06:00 in Zagreb); opened at 22:00 UTC the day before, due at 18:00 UTC (20:00).
    Membership.objects.filter(user=org.ana, department=org.cs).update(calendar=office_hours())
    night = open_ticket(org.ana, now=at())
    evening = open_ticket(org.ana, now=at(-10))
    noon = open_ticket(org.ravi, now=at())  # Ravi has no shifts: 24/7, on shift
    escalate_overdue(now=at(20))
    assert Handoff.objects.get(ticket=night, kind=HandoffKind.ESCALATED).off_shift is True
    assert Handoff.objects.get(ticket=noon, kind=HandoffKind.ESCALATED).off_shift is False
    report = monthly_report(OCTOBER)
    ana = person(report, org.ana, org.t1)
    assert (ana.off_shift_timeouts, ana.timeouts, ana.dumped) == (2, 0, 0)
    assert tickets_behind("person", "off_shift_timeouts", org.ana.pk, org.t1.pk) == {night.pk, evening.pk}
    assert tickets_behind("person", "timeouts", org.ana.pk, org.t1.pk) == set()
    ravi = person(report, org.ravi, org.t1)
    assert (ravi.timeouts, ravi.off_shift_timeouts, ravi.dumped) == (1, 0, 1)
    # The tier's row still counts all three as escalated.
    tier = next(t for t in report.flow.tier_rows() if t.tier.pk == org.t1.pk)
    assert tier.figures.escalated == 3


def test_a_time_out_during_the_shift_stays_a_time_out(org):
    Membership.objects.filter(user=org.ana, department=org.cs).update(calendar=office_hours())
    ticket = open_ticket(org.ana, now=at(-19))  # due 09:00 UTC: 11:00 in Zagreb, on shift
    escalate_overdue(now=at(1))
    ana = person(monthly_report(OCTOBER), org.ana, org.t1)
    assert (ana.timeouts, ana.off_shift_timeouts) == (1, 0)
    assert tickets_behind("person", "timeouts", org.ana.pk, org.t1.pk) == {ticket.pk}
