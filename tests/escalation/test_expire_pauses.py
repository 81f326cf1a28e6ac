"""The pause limit: a customer who never answers does not stop the clock for ever.

``escalation.expire_pauses`` ends every pause past TIERDESK_PAUSE_LIMIT_WORKING_DAYS working
days, exactly once (also with several runs at the same instant), restarts the clock from the
limit with the time that was left, and tells the tier's leads.
"""

from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings

from departments.models import Department
from escalation.tasks import expire_pauses
from outbox.models import OutboundEmail
from tests.escalation.test_sweep_concurrency import run_in_threads
from tests.factories import MembershipFactory, UserFactory, office_hours, open_ticket
from tickets import actions
from tickets.actions.pause import do_expire_pauses
from tickets.ledger import current_state, replay
from tickets.models import Handoff, HandoffKind, Ticket

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
PAUSED_AT = T0 + timedelta(hours=3)
LIMIT = PAUSED_AT + timedelta(days=5)
ZAGREB = ZoneInfo("Europe/Zagreb")


def lead_of_front_line(org):
    lena = UserFactory(username="lena", email="lena@example.net")
    MembershipFactory(user=lena, tier=org.t1, is_lead=True)
    return lena


def paused(org, *, at=PAUSED_AT, subject="Order arrived damaged") -> Ticket:
    ticket = open_ticket(org.ana, now=T0, subject=subject)
    return actions.do_pause_ticket(ticket, by=org.ana, reason="Asked for a photo.", now=at)


def fresh(ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


@pytest.mark.django_db
def test_the_limit_passes_exactly_at_five_days_and_restarts_the_clock_from_it(org):
    lead_of_front_line(org)
    ticket = paused(org)
    assert fresh(ticket).pause_expires_at == LIMIT

    assert do_expire_pauses(now=LIMIT - timedelta(microseconds=1)).expired == 0
    assert fresh(ticket).paused_at is not None

    ran_at = LIMIT + timedelta(seconds=40)  # the beat's minute
    assert do_expire_pauses(now=ran_at).expired == 1
    resumed = fresh(ticket)
    assert resumed.paused_at is None and resumed.pause_time_left is None
    assert resumed.due_at == LIMIT + timedelta(hours=17)  # counted from the limit, to the second
    assert resumed.tier_entered_at == T0
    entry = Handoff.objects.filter(ticket=ticket).order_by("id").last()
    assert entry.kind == HandoffKind.PAUSE_EXPIRED
    assert entry.actor_id is None
    assert entry.at == ran_at
    assert (entry.from_owner_id, entry.to_owner_id, entry.from_tier_id, entry.to_tier_id) == (
        org.ana.pk, org.ana.pk, org.t1.pk, org.t1.pk
    )
    assert entry.paused_for == timedelta(days=5)
    assert entry.due_at == T0 + timedelta(hours=20)
    assert entry.note == "The customer did not answer within 5 working days."
    assert replay(list(Handoff.objects.filter(ticket=ticket))) == current_state(resumed)

    # Already handled: a second run finds nothing, and tells nobody again.
    assert do_expire_pauses(now=ran_at + timedelta(minutes=1)).expired == 0
    assert Handoff.objects.filter(ticket=ticket, kind=HandoffKind.PAUSE_EXPIRED).count() == 1
    assert OutboundEmail.objects.filter(kind="pause_expired").count() == 1


@pytest.mark.django_db
def test_the_tiers_lead_is_told_by_email(org):
    lead_of_front_line(org)
    ticket = paused(org, subject="Broken hinge")
    do_expire_pauses(now=LIMIT)
    email = OutboundEmail.objects.get(kind="pause_expired")
    assert email.recipients == ["lena@example.net"]
    assert ticket.reference in email.subject and "Broken hinge" in email.subject
    assert "Asked for a photo." in email.body
    assert "5 working days" in email.body
    assert "Ana" in email.body and f"/tickets/{ticket.reference}/" in email.body


@pytest.mark.django_db
def test_a_ticket_resumed_before_the_limit_is_left_alone(org):
    ticket = paused(org)
    actions.do_resume_ticket(ticket, by=org.ana, now=LIMIT - timedelta(hours=1))
    assert do_expire_pauses(now=LIMIT + timedelta(days=1)).expired == 0
    assert not Handoff.objects.filter(kind=HandoffKind.PAUSE_EXPIRED).exists()


@pytest.mark.django_db
def test_the_limit_counts_working_days_of_the_departments_calendar(org):
    Department.objects.filter(pk=org.cs.pk).update(calendar=office_hours())
    friday = datetime(2026, 12, 4, 16, 0, tzinfo=ZAGREB)
    ticket = open_ticket(org.ana, now=friday - timedelta(hours=1))
    actions.do_pause_ticket(ticket, by=org.ana, reason="Asked for a photo.", now=friday)
    next_friday = datetime(2026, 12, 11, 16, 0, tzinfo=ZAGREB)
    assert fresh(ticket).pause_expires_at == next_friday
    assert do_expire_pauses(now=next_friday - timedelta(seconds=1)).expired == 0
    assert do_expire_pauses(now=next_friday).expired == 1


@pytest.mark.django_db
def test_the_limit_is_a_setting(org, settings):
    settings.TIERDESK_PAUSE_LIMIT_WORKING_DAYS = 2
    ticket = paused(org)
    assert fresh(ticket).pause_expires_at == PAUSED_AT + timedelta(days=2)
    assert do_expire_pauses(now=PAUSED_AT + timedelta(days=2)).expired == 1
    assert Handoff.objects.get(kind=HandoffKind.PAUSE_EXPIRED).note == (
        "The customer did not answer within 2 working days."
    )


@pytest.mark.django_db
def test_the_task_runs_the_action_and_beat_runs_it_every_sweep_without_expiry(org):
    paused(org)
    with time_machine.travel(LIMIT, tick=False):
        assert expire_pauses() == "expired 1"
        assert expire_pauses() == "expired 0"
    entry = django_settings.CELERY_BEAT_SCHEDULE["expire-pauses"]
    assert entry["task"] == "escalation.expire_pauses"
    assert entry["schedule"] == django_settings.ESCALATION_SWEEP_SECONDS
    assert entry["options"] == {"expires": None}


# --- concurrent runs: each pause ends exactly once -------------------------------------------

PAUSES = 60
THREADS = 4


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(120)
@pytest.mark.slow
def test_four_runs_at_the_same_instant_end_each_pause_exactly_once_and_tell_the_lead_once(org):
    lead_of_front_line(org)
    ids = [paused(org, subject=f"Ticket {n}").pk for n in range(PAUSES)]

    def run_together(barrier):
        barrier.wait()
        return do_expire_pauses(now=LIMIT, batch_size=7)

    results = run_in_threads(run_together, THREADS)

    assert sum(r.expired for r in results) == PAUSES
    ended = Counter(r for result in results for r in result.ticket_ids)
    assert set(ended) == set(ids) and set(ended.values()) == {1}
    written = Counter(
        Handoff.objects.filter(kind=HandoffKind.PAUSE_EXPIRED).values_list("ticket_id", flat=True)
    )
    assert set(written) == set(ids) and set(written.values()) == {1}
    assert OutboundEmail.objects.filter(kind="pause_expired").count() == PAUSES
    assert not Ticket.objects.filter(paused_at__isnull=False).exists()
    for ticket in Ticket.objects.filter(pk__in=ids):
        assert replay(list(Handoff.objects.filter(ticket=ticket))) == current_state(ticket)
        assert ticket.due_at == LIMIT + timedelta(hours=17)
