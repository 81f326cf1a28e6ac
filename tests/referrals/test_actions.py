"""Referrals: asking another department without giving the ticket away."""

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connections
from django.utils import timezone

from core.errors import Conflict, InvalidInput, NotAllowed
from departments.models import Department
from outbox.models import OutboundEmail
from referrals.actions import (
    do_answer_referral,
    do_claim_referral,
    do_flag_overdue_referrals,
    do_refer_ticket,
)
from referrals.models import Referral
from tests.factories import MembershipFactory, TierFactory, UserFactory, office_hours, open_ticket
from tickets import actions
from tickets.errors import AlreadyClaimed, TicketResolved


@pytest.fixture
def order_intake(org):
    department = Department.objects.create(slug="order-intake", name="Order intake")
    desk = TierFactory(department=department, level=1, name="Order desk")
    vikram = UserFactory(username="vikram")
    MembershipFactory(user=vikram, tier=desk, is_lead=True)
    colleague = UserFactory(username="olga")
    MembershipFactory(user=colleague, tier=desk)
    return department, vikram, colleague


def ask(org, order_intake, *, now=None):
    ticket = open_ticket(org.ana, now=now)
    department = order_intake[0]
    return do_refer_ticket(
        ticket, by=org.ana, department=department, question="Which items of order 4471 are out of stock?", now=now
    )


@pytest.mark.django_db
def test_owner_asks_a_department_and_keeps_the_ticket(org, order_intake):
    ticket = open_ticket(org.ana)
    before = (ticket.owner_id, ticket.tier_id, ticket.due_at, ticket.handoffs.count())

    referral = do_refer_ticket(ticket, by=org.ana, department=order_intake[0], question="What replaces item 3?")

    ticket.refresh_from_db()
    assert (ticket.owner_id, ticket.tier_id, ticket.due_at, ticket.handoffs.count()) == before
    assert referral.due_at == referral.asked_at + timedelta(hours=4)
    assert OutboundEmail.objects.filter(kind="referral_asked", recipients=["vikram@example.com"]).exists()


@pytest.mark.django_db
def test_only_the_owner_refers_and_a_question_is_required(org, order_intake):
    ticket = open_ticket(org.ana)

    with pytest.raises(NotAllowed):
        do_refer_ticket(ticket, by=org.ravi, department=order_intake[0], question="Stock?")
    with pytest.raises(InvalidInput) as missing:
        do_refer_ticket(ticket, by=org.ana, department=order_intake[0], question="  ")
    with pytest.raises(InvalidInput) as own_department:
        do_refer_ticket(ticket, by=org.ana, department=org.cs, question="Stock?")

    assert (missing.value.field, own_department.value.field) == ("question", "department")
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_department_member_claims_and_answers_and_the_owner_is_told(org, order_intake):
    referral = ask(org, order_intake)
    olga = order_intake[2]

    do_claim_referral(referral, by=olga)
    answered = do_answer_referral(referral, by=olga, answer="Items 2 and 3; the X200 replaces both.")

    assert (answered.answered_by, answered.claimed_by) == (olga, olga)
    email = OutboundEmail.objects.get(kind="referral_answered")
    assert email.recipients == ["ana@example.com"]
    assert "X200" in email.body


@pytest.mark.django_db
def test_only_members_of_the_asked_department_answer(org, order_intake):
    referral = ask(org, order_intake)

    for stranger in (org.ana, org.ioana, org.elena):
        with pytest.raises(NotAllowed):
            do_claim_referral(referral, by=stranger)
        with pytest.raises(NotAllowed):
            do_answer_referral(referral, by=stranger, answer="Guess")

    referral.refresh_from_db()
    assert referral.answered_at is None


@pytest.mark.django_db
def test_a_claimed_question_is_answered_by_its_claimer_or_a_lead(org, order_intake):
    referral = ask(org, order_intake)
    _, vikram, olga = order_intake
    do_claim_referral(referral, by=olga)

    with pytest.raises(AlreadyClaimed, match="Olga"):
        do_claim_referral(referral, by=vikram)
    do_answer_referral(referral, by=vikram, answer="Answered by the lead while Olga is out")

    referral.refresh_from_db()
    assert referral.answered_by == vikram


@pytest.mark.django_db
def test_answered_referrals_are_final(org, order_intake):
    referral = ask(org, order_intake)
    do_answer_referral(referral, by=order_intake[1], answer="All in stock")

    with pytest.raises(Conflict):
        do_answer_referral(referral, by=order_intake[1], answer="Actually not")
    with pytest.raises(Conflict):
        do_claim_referral(referral, by=order_intake[2])

    referral.refresh_from_db()
    assert referral.answer == "All in stock"


@pytest.mark.django_db
def test_referrals_of_a_resolved_ticket_are_closed(org, order_intake):
    referral = ask(org, order_intake)
    actions.do_resolve_ticket(referral.ticket, by=org.ana, resolution="Customer found it")

    with pytest.raises(TicketResolved):
        do_answer_referral(referral, by=order_intake[1], answer="Late answer")


@pytest.mark.django_db
def test_overdue_referral_is_flagged_once_to_the_departments_leads(org, order_intake):
    start = timezone.now()
    referral = ask(org, order_intake, now=start)
    OutboundEmail.objects.all().delete()

    before = do_flag_overdue_referrals(now=start + timedelta(hours=4) - timedelta(seconds=1))
    at_target = do_flag_overdue_referrals(now=start + timedelta(hours=4))
    again = do_flag_overdue_referrals(now=start + timedelta(hours=9))

    assert (before.flagged, at_target.flagged, again.flagged) == (0, 1, 0)
    referral.refresh_from_db()
    assert referral.overdue_flagged_at == start + timedelta(hours=4)
    assert referral.is_overdue(start + timedelta(hours=5))
    assert list(OutboundEmail.objects.values_list("kind", "recipients")) == [("referral_overdue", ["vikram@example.com"])]


@pytest.mark.django_db
def test_answered_referrals_are_never_flagged(org, order_intake):
    start = timezone.now()
    referral = ask(org, order_intake, now=start)
    do_answer_referral(referral, by=order_intake[1], answer="Done", now=start + timedelta(hours=1))

    assert do_flag_overdue_referrals(now=start + timedelta(hours=10)).flagged == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(120)
def test_concurrent_flagging_runs_flag_each_overdue_referral_exactly_once(org, order_intake):
    start = timezone.now() - timedelta(days=1)
    ticket = open_ticket(org.ana, now=start)
    for n in range(300):
        do_refer_ticket(ticket, by=org.ana, department=order_intake[0], question=f"Question {n}", now=start)
    OutboundEmail.objects.all().delete()
    now = timezone.now()
    barrier = threading.Barrier(4)
    results = []

    def run():
        try:
            barrier.wait()
            results.append(do_flag_overdue_referrals(now=now, batch_size=25).flagged)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(results) == 300
    assert Referral.objects.filter(overdue_flagged_at=now).count() == 300
    flagged_in_emails = sum(e.body.count("\n") + 1 for e in OutboundEmail.objects.filter(kind="referral_overdue"))
    assert flagged_in_emails == 300


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(120)
def test_eight_members_claiming_one_question_at_once_give_one_winner(org, order_intake):
    department = order_intake[0]
    tier = department.tiers.get()
    members = [UserFactory(username=f"desk{n}") for n in range(8)]
    for member in members:
        MembershipFactory(user=member, tier=tier)
    for _round in range(5):
        referral = ask(org, order_intake)
        barrier = threading.Barrier(len(members))
        outcomes = []

        def claim(member, referral=referral, barrier=barrier, outcomes=outcomes):
            try:
                barrier.wait()
                do_claim_referral(referral, by=member)
                outcomes.append("won")
            except AlreadyClaimed as lost:
                outcomes.append(lost.message)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=claim, args=(m,)) for m in members]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert outcomes.count("won") == 1
        assert all(o.startswith("Already claimed by Desk") for o in outcomes if o != "won")
        referral.refresh_from_db()
        assert referral.claimed_by in members


def test_a_question_counts_the_answering_department_s_working_time(org, order_intake):
    department, _vikram, _olga = order_intake
    bucharest = ZoneInfo("Europe/Bucharest")
    department.calendar = office_hours("Order desk", "Europe/Bucharest", **{
        day: "08:00-20:00" for day in ("monday", "tuesday", "wednesday", "thursday", "friday")
    })
    department.referral_response_within = timedelta(hours=4)
    department.save()
    asked_at = datetime(2026, 12, 1, 21, 17, tzinfo=bucharest)  # a Tuesday evening
    with time_machine.travel(asked_at, tick=False):
        ticket = open_ticket(org.ana)
        referral = do_refer_ticket(ticket, by=org.ana, department=department, question="Stock of X200?")

    # Not 01:17: the department opens at 08:00, so four working hours end at 12:00.
    assert referral.due_at == datetime(2026, 12, 2, 12, 0, tzinfo=bucharest)
