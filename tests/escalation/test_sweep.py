"""The escalation clock on the real PostgreSQL: who moves, when, and exactly once.

Who hears of it, the command and what a sweep costs: tests/escalation/test_sweep_mail_and_cost.py.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from departments.models import Tier
from escalation.sweep import escalate_overdue
from outbox import actions as outbox
from tests.factories import open_ticket
from tickets import actions
from tickets.ledger import current_state, replay
from tickets.models import Handoff, HandoffKind, Status, Ticket

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
TWENTY_HOURS = timedelta(hours=20)
BUCHAREST = ZoneInfo("Europe/Bucharest")


def sweep_at(instant: datetime):
    """Run the sweep with the clock stopped at ``instant`` (the way beat runs it: no ``now``)."""
    with time_machine.travel(instant, tick=False):
        return escalate_overdue()


def open_at(instant: datetime, actor, **fields) -> Ticket:
    with time_machine.travel(instant, tick=False):
        return open_ticket(actor, **fields)


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def kinds(ticket: Ticket) -> list[str]:
    return list(Handoff.objects.filter(ticket=ticket).order_by("id").values_list("kind", flat=True))


def assert_ledger_matches(ticket: Ticket) -> None:
    ticket = fresh(ticket)
    assert replay(list(Handoff.objects.filter(ticket=ticket))) == current_state(ticket)


def deliver_everything(now: datetime) -> int:
    """Deliver the outbox the way the periodic drain does, without waiting for a worker."""
    return outbox.drain(now=now, retry_after=timedelta(0))


# --- what is due ----------------------------------------------------------------------


def test_sweep_escalates_only_open_tickets_that_are_due(org):
    due = open_at(T0, org.ana, subject="Due")
    not_yet = open_at(T0 + timedelta(hours=1), org.ana, subject="Not yet")
    resolved = open_at(T0, org.ana, subject="Resolved")
    actions.do_resolve_ticket(resolved, by=org.ana, resolution="Refunded", now=T0 + timedelta(hours=2))

    result = sweep_at(T0 + TWENTY_HOURS)

    assert (result.escalated, result.breached) == (1, 0)
    assert fresh(due).tier_id == org.t2.pk
    assert fresh(not_yet).tier_id == org.t1.pk
    assert fresh(resolved).tier_id == org.t1.pk
    assert fresh(resolved).status == Status.RESOLVED
    assert kinds(resolved) == [HandoffKind.OPENED, HandoffKind.RESOLVED]
    assert kinds(not_yet) == [HandoffKind.OPENED]


def test_ticket_the_instant_before_its_deadline_is_not_escalated(org):
    ticket = open_at(T0, org.ana)

    result = sweep_at(T0 + TWENTY_HOURS - timedelta(microseconds=1))

    assert result.escalated == 0
    assert fresh(ticket).tier_id == org.t1.pk
    assert kinds(ticket) == [HandoffKind.OPENED]


def test_ticket_exactly_at_deadline_is_escalated(org):
    ticket = open_at(T0, org.ana)
    assert ticket.due_at == T0 + TWENTY_HOURS

    result = sweep_at(T0 + TWENTY_HOURS)

    assert result.escalated == 1
    assert fresh(ticket).tier_id == org.t2.pk


def test_ticket_after_its_deadline_is_escalated(org):
    ticket = open_at(T0, org.ana)

    sweep_at(T0 + TWENTY_HOURS + timedelta(minutes=7))

    assert fresh(ticket).tier_id == org.t2.pk
    assert kinds(ticket) == [HandoffKind.OPENED, HandoffKind.ESCALATED]


def test_claims_releases_assignments_and_notes_do_not_reset_the_clock(org):
    ticket = open_at(T0, org.ana)
    deadline = ticket.due_at
    entered = ticket.tier_entered_at

    actions.do_release_ticket(ticket, by=org.ana, note="Off shift", now=T0 + timedelta(hours=2))
    actions.do_claim_ticket(ticket, by=org.ravi, now=T0 + timedelta(hours=5))
    actions.do_add_note(ticket, by=org.ravi, body="Courier contacted", now=T0 + timedelta(hours=6))
    actions.do_assign_ticket(
        ticket, by=org.andrei, to=org.ana, note="Ana knows this one", now=T0 + timedelta(hours=9)
    )
    actions.do_add_note(
        ticket, by=org.ana, body="Waiting for the warehouse", now=T0 + timedelta(hours=19)
    )

    ticket = fresh(ticket)
    assert (ticket.due_at, ticket.tier_entered_at) == (deadline, entered)
    assert sweep_at(deadline - timedelta(seconds=1)).escalated == 0
    assert sweep_at(deadline).escalated == 1
    assert fresh(ticket).tier_id == org.t2.pk


# --- what an escalation does ----------------------------------------------------------


def test_escalated_ticket_is_unowned_in_the_next_tier_with_that_tiers_deadline(org):
    Tier.objects.filter(pk=org.t2.pk).update(resolve_within=timedelta(hours=8))
    ticket = open_at(T0, org.ana)
    late = timedelta(minutes=3, seconds=12)
    swept_at = T0 + TWENTY_HOURS + late

    sweep_at(swept_at)

    ticket = fresh(ticket)
    assert ticket.status == Status.OPEN
    assert (ticket.department_id, ticket.tier_id, ticket.owner_id) == (org.cs.pk, org.t2.pk, None)
    assert ticket.tier_entered_at == swept_at
    assert ticket.due_at == swept_at + timedelta(hours=8)
    handoff = Handoff.objects.get(ticket=ticket, kind=HandoffKind.ESCALATED)
    assert handoff.actor_id is None
    assert handoff.at == swept_at
    assert (handoff.from_owner_id, handoff.to_owner_id) == (org.ana.pk, None)
    assert (handoff.from_tier_id, handoff.to_tier_id) == (org.t1.pk, org.t2.pk)
    assert (handoff.from_department_id, handoff.to_department_id) == (org.cs.pk, org.cs.pk)
    assert handoff.sweep_lateness == late
    assert "20" in handoff.note and org.t1.name in handoff.note
    assert_ledger_matches(ticket)


def test_escalation_of_an_unowned_ticket_records_nobody_let_it_slip(org):
    ticket = open_at(T0, org.andrei)  # a manager logs it without a seat at tier 1
    assert ticket.owner_id is None

    sweep_at(T0 + TWENTY_HOURS)

    handoff = Handoff.objects.get(ticket=ticket, kind=HandoffKind.ESCALATED)
    assert handoff.from_owner_id is None


def test_second_sweep_for_same_deadline_changes_nothing(org):
    ticket = open_at(T0, org.ana)
    at = T0 + TWENTY_HOURS
    sweep_at(at)
    after_first = fresh(ticket)

    second = sweep_at(at)

    assert (second.escalated, second.breached) == (0, 0)
    again = fresh(ticket)
    assert (again.tier_id, again.due_at, again.tier_entered_at) == (
        after_first.tier_id,
        after_first.due_at,
        after_first.tier_entered_at,
    )
    assert kinds(ticket) == [HandoffKind.OPENED, HandoffKind.ESCALATED]


def test_ticket_overdue_for_days_moves_one_tier_per_sweep_never_skipping(org):
    ticket = open_at(T0, org.ana)
    three_days_late = T0 + timedelta(days=3)

    assert sweep_at(three_days_late).escalated == 1
    assert fresh(ticket).tier_id == org.t2.pk
    assert sweep_at(three_days_late).escalated == 0
    assert fresh(ticket).tier_id == org.t2.pk

    next_deadline = three_days_late + TWENTY_HOURS
    assert sweep_at(next_deadline - timedelta(seconds=1)).escalated == 0
    assert sweep_at(next_deadline).escalated == 1
    assert fresh(ticket).tier_id == org.t3.pk
    assert sweep_at(next_deadline).escalated == 0

    top_deadline = next_deadline + TWENTY_HOURS
    assert sweep_at(top_deadline).breached == 1

    trail = list(Handoff.objects.filter(ticket=ticket).order_by("id"))
    assert [h.kind for h in trail] == [
        HandoffKind.OPENED,
        HandoffKind.ESCALATED,
        HandoffKind.ESCALATED,
        HandoffKind.BREACHED,
    ]
    assert [(h.from_tier_id, h.to_tier_id) for h in trail[1:]] == [
        (org.t1.pk, org.t2.pk),
        (org.t2.pk, org.t3.pk),
        (org.t3.pk, org.t3.pk),
    ]
    assert trail[1].sweep_lateness == three_days_late - (T0 + TWENTY_HOURS)
    assert trail[2].sweep_lateness == timedelta(0)
    assert_ledger_matches(ticket)


# --- the top tier -----------------------------------------------------------------------


def test_top_tier_ticket_is_breached_once_and_never_touched_again(org):
    ticket = open_at(T0, org.ana)
    sweep_at(T0 + TWENTY_HOURS)
    sweep_at(T0 + 2 * TWENTY_HOURS)
    actions.do_claim_ticket(ticket, by=org.priya, now=T0 + 2 * TWENTY_HOURS + timedelta(hours=1))
    at_top = fresh(ticket)
    assert at_top.tier_id == org.t3.pk

    breach_at = at_top.due_at + timedelta(minutes=1)
    result = sweep_at(breach_at)

    assert (result.escalated, result.breached) == (0, 1)
    breached = fresh(ticket)
    assert breached.breached is True
    assert breached.breached_at == breach_at
    assert (breached.tier_id, breached.owner_id, breached.status) == (
        org.t3.pk,
        org.priya.pk,
        Status.OPEN,
    )
    handoff = Handoff.objects.get(ticket=ticket, kind=HandoffKind.BREACHED)
    assert handoff.actor_id is None
    assert (handoff.from_owner_id, handoff.to_owner_id) == (org.priya.pk, org.priya.pk)
    assert (handoff.from_tier_id, handoff.to_tier_id) == (org.t3.pk, org.t3.pk)
    assert handoff.sweep_lateness == timedelta(minutes=1)

    for later in (breach_at, breach_at + timedelta(hours=1), breach_at + timedelta(days=30)):
        assert sweep_at(later).breached == 0
    assert Handoff.objects.filter(ticket=ticket, kind=HandoffKind.BREACHED).count() == 1
    assert fresh(ticket).breached_at == breach_at
    assert_ledger_matches(ticket)


def test_single_tier_department_breaches_at_its_only_tier(org):
    ticket = open_at(T0, org.elena, department=org.sales)

    result = sweep_at(T0 + TWENTY_HOURS)

    assert (result.escalated, result.breached) == (0, 1)
    ticket = fresh(ticket)
    assert (ticket.tier_id, ticket.owner_id, ticket.breached) == (
        org.sales_t1.pk,
        org.elena.pk,
        True,
    )


def test_resolving_a_breached_ticket_still_works(org):
    ticket = open_at(T0, org.elena, department=org.sales)
    sweep_at(T0 + TWENTY_HOURS)

    actions.do_resolve_ticket(
        ticket, by=org.elena, resolution="Sent the quote", now=T0 + TWENTY_HOURS * 2
    )

    assert fresh(ticket).status == Status.RESOLVED
    assert sweep_at(T0 + TWENTY_HOURS * 5).breached == 0
    assert_ledger_matches(ticket)


# --- daylight saving time in the organisation's zone --------------------------------------


@pytest.mark.parametrize(
    "entered_local",
    [
        # Clocks go back at 04:00 EEST on 25 October 2026: the local night is 25 hours long.
        datetime(2026, 10, 24, 18, 0, tzinfo=BUCHAREST),
        # Clocks go forward at 03:00 EET on 28 March 2027: the local night is 23 hours long.
        datetime(2027, 3, 27, 18, 0, tzinfo=BUCHAREST),
    ],
    ids=["autumn-back", "spring-forward"],
)
def test_ticket_escalates_twenty_real_hours_after_entering_across_a_dst_change(
    org, settings, entered_local
):
    settings.TIERDESK_TIME_ZONE = "Europe/Bucharest"
    ticket = open_at(entered_local, org.ana)
    real_deadline = entered_local.astimezone(UTC) + TWENTY_HOURS
    wall_clock_naive = entered_local + TWENTY_HOURS  # what adding 20 h to the local time would give
    assert abs(wall_clock_naive.astimezone(UTC) - real_deadline) == timedelta(hours=1)
    assert fresh(ticket).due_at == real_deadline

    assert sweep_at(real_deadline - timedelta(seconds=1)).escalated == 0
    assert sweep_at(real_deadline).escalated == 1
    assert fresh(ticket).tier_id == org.t2.pk
