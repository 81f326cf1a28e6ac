"""Whom a time-out is charged to, and what a late release is: every branch of the rule, the
instant before, at and after each threshold, in Python and in SQL alike.

Tier times are 20 h, so with the default share a release is late with at most 5 h left,
and with the default window an owner who got the ticket less than 60 min before its
deadline is a late receipt. Built through the real actions and the real sweep.
"""

from datetime import UTC, datetime, timedelta

import pytest

from escalation.sweep import escalate_overdue
from tests.factories import open_ticket
from tickets import actions
from tickets.models import Handoff, HandoffKind, Ticket
from tickets.responsibility import (
    is_late_receipt,
    is_late_release,
    late_receipt_window,
    late_release_condition,
    late_release_share,
)

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
TWENTY_HOURS = timedelta(hours=20)
DUE = T0 + TWENTY_HOURS
LATE_SHARE_LEFT = timedelta(hours=5)  # 25 % of 20 h
US = timedelta(microseconds=1)


def charged_for(ticket: Ticket):
    """Sweep at the deadline; return the id charged with the ticket's time-out."""
    escalate_overdue(now=DUE)
    entry = Handoff.objects.get(ticket=ticket, kind__in=[HandoffKind.ESCALATED, HandoffKind.BREACHED])
    return entry.charged_to_id


def release(ticket, actor, *, left: timedelta) -> Handoff:
    actions.do_release_ticket(ticket, by=actor, now=DUE - left)
    return Handoff.objects.filter(ticket=ticket, kind=HandoffKind.RELEASED).latest("id")


def sql_says_late(handoff: Handoff) -> bool:
    return Handoff.objects.filter(late_release_condition(), pk=handoff.pk).exists()


# --- the settings ---------------------------------------------------------------------------


def test_the_defaults_are_a_quarter_of_the_tiers_time_and_an_hour(settings):
    del settings.TIERDESK_LATE_RELEASE_SHARE
    del settings.TIERDESK_LATE_RECEIPT_MINUTES

    assert late_release_share() == 0.25
    assert late_receipt_window() == timedelta(minutes=60)


def test_the_settings_are_read_when_asked(settings):
    settings.TIERDESK_LATE_RELEASE_SHARE = 0.5
    settings.TIERDESK_LATE_RECEIPT_MINUTES = 90

    assert late_release_share() == 0.5
    assert late_receipt_window() == timedelta(minutes=90)


# --- what a late release is ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("left", "late"),
    [
        (LATE_SHARE_LEFT + US, False),  # the instant before the threshold
        (LATE_SHARE_LEFT, True),  # exactly 25 % left
        (LATE_SHARE_LEFT - US, True),
        (timedelta(0), True),  # at the deadline
        (-timedelta(minutes=1), True),  # after it, before the sweep came
    ],
    ids=["just-over-25%", "exactly-25%", "just-under-25%", "at-deadline", "past-deadline"],
)
def test_a_release_by_the_owner_is_late_with_at_most_a_quarter_of_the_time_left(org, left, late):
    entry = release(open_ticket(org.ana, now=T0), org.ana, left=left)

    assert is_late_release(entry) is late
    assert sql_says_late(entry) is late


def test_a_release_by_someone_other_than_the_owner_is_never_late(org):
    ticket = open_ticket(org.ana, now=T0)
    entry = release(ticket, org.andrei, left=timedelta(minutes=10))  # a manager releases Ana's

    assert (is_late_release(entry), sql_says_late(entry)) == (False, False)


def test_other_kinds_are_never_late_releases(org):
    ticket = open_ticket(org.ana, now=T0)
    actions.do_pass_up(ticket, by=org.ana, note="Tried", now=DUE - timedelta(minutes=5))

    passed = ticket.handoffs.get(kind=HandoffKind.PASSED)
    assert (is_late_release(passed), sql_says_late(passed)) == (False, False)


def test_a_release_written_before_the_facts_were_stored_is_never_late(org):
    ticket = open_ticket(org.ana, now=T0)
    # An entry as the ledger held them before tickets/0005: no tier time, no deadline.
    old = Handoff.objects.create(
        ticket=ticket, kind=HandoffKind.RELEASED, at=DUE - timedelta(minutes=5), actor=org.ana,
        from_owner=org.ana, to_owner=None, from_tier=org.t1, to_tier=org.t1,
        from_department=org.cs, to_department=org.cs,
    )

    assert (is_late_release(old), sql_says_late(old)) == (False, False)


@pytest.mark.parametrize(
    ("share", "left", "late"), [(0.5, timedelta(hours=10), True), (0.5, timedelta(hours=10) + US, False)]
)
def test_the_share_comes_from_the_settings(org, settings, share, left, late):
    settings.TIERDESK_LATE_RELEASE_SHARE = share
    entry = release(open_ticket(org.ana, now=T0), org.ana, left=left)

    assert is_late_release(entry) is late
    assert sql_says_late(entry) is late


def test_python_and_sql_agree_on_every_release_of_a_busy_ledger(org):
    for minutes_left in range(0, 20 * 60, 17):
        ticket = open_ticket(org.ana, now=T0)
        owner = org.ana
        if minutes_left % 2:
            owner = org.ravi
            actions.do_assign_ticket(ticket, by=org.andrei, to=owner, now=T0 + timedelta(minutes=1))
        release(ticket, owner if minutes_left % 3 else org.andrei, left=timedelta(minutes=minutes_left))

    releases = Handoff.objects.filter(kind=HandoffKind.RELEASED)
    in_python = {h.pk for h in releases if is_late_release(h)}
    in_sql = set(releases.filter(late_release_condition()).values_list("pk", flat=True))
    assert in_python == in_sql
    assert 0 < len(in_sql) < releases.count()


def test_late_receipt_is_strictly_under_the_window():
    assert is_late_receipt(DUE - timedelta(minutes=60), DUE) is False
    assert is_late_receipt(DUE - timedelta(minutes=60) + US, DUE) is True
    assert is_late_receipt(None, DUE) is False


# --- a. the ticket had an owner -----------------------------------------------------------


def test_an_owner_who_had_it_in_good_time_is_charged(org):
    ticket = open_ticket(org.ana, now=T0)

    assert charged_for(ticket) == org.ana.pk


@pytest.mark.parametrize(
    ("received_before_deadline", "charged"),
    [
        (timedelta(minutes=60) + US, "ravi"),  # the instant before the window: the owner's
        (timedelta(minutes=60), "ravi"),  # exactly 60 min before: still the owner's
        (timedelta(minutes=60) - US, "ana"),  # inside the window: the late releaser's
        (timedelta(minutes=1), "ana"),
    ],
    ids=["61-min", "exactly-60-min", "just-under-60-min", "1-min"],
)
def test_an_owner_who_got_it_late_after_a_late_release_passes_the_charge_to_the_releaser(
    org, received_before_deadline, charged
):
    ticket = open_ticket(org.ana, now=T0)
    release(ticket, org.ana, left=LATE_SHARE_LEFT)  # exactly 25 % left: late
    actions.do_claim_ticket(ticket, by=org.ravi, now=DUE - received_before_deadline)

    assert charged_for(ticket) == getattr(org, charged).pk


@pytest.mark.parametrize(
    ("left", "charged"),
    [(LATE_SHARE_LEFT + US, "ravi"), (LATE_SHARE_LEFT, "ana")],
    ids=["release-just-in-time", "release-exactly-late"],
)
def test_a_late_receipt_after_a_release_in_good_time_stays_with_the_owner(org, left, charged):
    ticket = open_ticket(org.ana, now=T0)
    release(ticket, org.ana, left=left)
    actions.do_claim_ticket(ticket, by=org.ravi, now=DUE - timedelta(minutes=30))

    assert charged_for(ticket) == getattr(org, charged).pk


def test_a_late_receipt_by_assignment_without_any_release_stays_with_the_owner(org):
    ticket = open_ticket(org.ana, now=T0)
    actions.do_assign_ticket(ticket, by=org.andrei, to=org.ravi, now=DUE - timedelta(minutes=10))

    assert charged_for(ticket) == org.ravi.pk


def test_a_late_receipt_after_a_release_by_a_manager_stays_with_the_owner(org):
    ticket = open_ticket(org.ana, now=T0)
    release(ticket, org.andrei, left=timedelta(minutes=40))  # not Ana's own release: not late
    actions.do_claim_ticket(ticket, by=org.ravi, now=DUE - timedelta(minutes=30))

    assert charged_for(ticket) == org.ravi.pk


def test_only_the_last_release_before_the_receipt_counts(org):
    ticket = open_ticket(org.ana, now=T0)
    release(ticket, org.ana, left=timedelta(hours=4))  # late, but not the last one
    actions.do_claim_ticket(ticket, by=org.ravi, now=DUE - timedelta(hours=3))
    release(ticket, org.andrei, left=timedelta(hours=2))  # the last: a manager's, not late
    actions.do_claim_ticket(ticket, by=org.ana, now=DUE - timedelta(minutes=30))

    assert charged_for(ticket) == org.ana.pk


def test_the_last_release_is_the_one_charged_when_it_is_late(org):
    ticket = open_ticket(org.ana, now=T0)
    release(ticket, org.ana, left=timedelta(hours=12))  # in good time
    actions.do_claim_ticket(ticket, by=org.ravi, now=DUE - timedelta(hours=6))
    release(ticket, org.ravi, left=timedelta(hours=2))  # late
    actions.do_claim_ticket(ticket, by=org.ana, now=DUE - timedelta(minutes=20))

    assert charged_for(ticket) == org.ravi.pk


def test_a_release_at_an_earlier_tier_visit_does_not_count(org):
    ticket = open_ticket(org.ana, now=T0)
    release(ticket, org.ana, left=timedelta(hours=1))  # late, at tier 1
    assert charged_for(ticket) == org.ana.pk  # unowned time-out at tier 1: Ana released it
    ticket = Ticket.objects.get(pk=ticket.pk)
    second_due = ticket.due_at  # at tier 2 now, a new visit with a new clock
    actions.do_claim_ticket(ticket, by=org.marko, now=second_due - timedelta(minutes=5))

    escalate_overdue(now=second_due)

    entry = Handoff.objects.filter(ticket=ticket, kind=HandoffKind.ESCALATED).latest("id")
    assert (entry.from_tier_id, entry.charged_to_id) == (org.t2.pk, org.marko.pk)


def test_the_receipt_window_comes_from_the_settings(org, settings):
    settings.TIERDESK_LATE_RECEIPT_MINUTES = 120
    ticket = open_ticket(org.ana, now=T0)
    release(ticket, org.ana, left=timedelta(hours=3))
    actions.do_claim_ticket(ticket, by=org.ravi, now=DUE - timedelta(minutes=100))

    assert charged_for(ticket) == org.ana.pk


# --- b. nobody owned it ---------------------------------------------------------------------


def test_an_unowned_time_out_without_a_release_is_charged_to_nobody(org):
    ticket = open_ticket(org.andrei, now=T0)

    assert charged_for(ticket) is None


def test_an_unowned_time_out_is_charged_to_the_last_releaser_even_in_good_time(org):
    ticket = open_ticket(org.ana, now=T0)
    release(ticket, org.ana, left=timedelta(hours=19))

    assert charged_for(ticket) == org.ana.pk


def test_an_unowned_time_out_is_charged_to_whoever_made_the_last_release(org):
    ticket = open_ticket(org.ana, now=T0)
    release(ticket, org.ana, left=timedelta(hours=10))
    actions.do_claim_ticket(ticket, by=org.ravi, now=DUE - timedelta(hours=8))
    release(ticket, org.andrei, left=timedelta(hours=6))  # a manager releases Ravi's

    assert charged_for(ticket) == org.andrei.pk


def test_an_unowned_time_out_ignores_releases_of_an_earlier_tier_visit(org):
    ticket = open_ticket(org.ana, now=T0)
    release(ticket, org.ana, left=timedelta(hours=10))
    actions.do_claim_ticket(ticket, by=org.ravi, now=DUE - timedelta(hours=9))
    actions.do_pass_up(ticket, by=org.ravi, note="Specialists", now=DUE - timedelta(hours=8))

    escalate_overdue(now=Ticket.objects.get(pk=ticket.pk).due_at)

    entry = Handoff.objects.get(ticket=ticket, kind=HandoffKind.ESCALATED)
    assert (entry.from_tier_id, entry.charged_to_id) == (org.t2.pk, None)


def test_a_breach_follows_the_same_rule(org):
    owned = open_ticket(org.elena, department=org.sales, now=T0)
    handed_late = open_ticket(org.elena, department=org.sales, now=T0)
    release(handed_late, org.elena, left=timedelta(hours=2))
    actions.do_claim_ticket(handed_late, by=org.andrei, now=DUE - timedelta(minutes=15))
    dropped = open_ticket(org.elena, department=org.sales, now=T0)
    release(dropped, org.elena, left=timedelta(hours=12))
    nobodys = open_ticket(org.andrei, department=org.sales, now=T0)

    escalate_overdue(now=DUE)

    charged = dict(
        Handoff.objects.filter(kind=HandoffKind.BREACHED).values_list("ticket_id", "charged_to_id")
    )
    assert charged == {
        owned.pk: org.elena.pk,
        handed_late.pk: org.elena.pk,
        dropped.pk: org.elena.pk,
        nobodys.pk: None,
    }
