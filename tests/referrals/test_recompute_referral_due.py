"""Open referrals' deadlines follow the answering department's working hours."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from departments import actions as department_actions
from departments.deadlines import due_at
from departments.models import Department
from departments.queries import working_hours_of
from referrals.actions import do_answer_referral, do_recompute_referral_due, do_refer_ticket
from referrals.models import Referral
from tests.factories import MembershipFactory, TierFactory, UserFactory, office_hours, open_ticket

MONDAY = datetime(2026, 1, 12, 7, 30, tzinfo=UTC)


@pytest.fixture
def order_intake(org):
    department = Department.objects.create(slug="order-intake", name="Order intake")
    desk = TierFactory(department=department, level=1, name="Order desk")
    vikram = UserFactory(username="vikram")
    MembershipFactory(user=vikram, tier=desk, is_lead=True)
    return department, vikram


@pytest.fixture
def referrals(org, order_intake):
    department, vikram = order_intake
    asked = []
    for hours in (0, 5, 12, 100):
        now = MONDAY + timedelta(hours=hours)
        ticket = open_ticket(org.ana, now=now)
        asked.append(do_refer_ticket(ticket, by=org.ana, department=department, question="Stock?", now=now))
    answered = do_answer_referral(asked.pop(), by=vikram, answer="In stock.", now=MONDAY + timedelta(hours=101))
    return asked, answered


def expected(referral: Referral) -> datetime:
    department = referral.department
    return due_at(referral.asked_at, department.referral_response_within, working_hours_of(department.pk))


def test_choosing_a_calendar_recomputes_the_open_referrals_to_the_department(org, order_intake, referrals):
    asked, answered = referrals
    answered_due = Referral.objects.get(pk=answered.pk).due_at

    department_actions.do_set_department_calendar(order_intake[0], office_hours(), by=org.andrei)

    for referral in Referral.objects.filter(pk__in=[r.pk for r in asked]).select_related("department"):
        assert referral.due_at == expected(referral)
        assert referral.due_at > referral.asked_at + referral.department.referral_response_within
    assert Referral.objects.get(pk=answered.pk).due_at == answered_due


def test_changing_the_calendar_in_use_recomputes_and_going_back_to_24_7_restores(org, order_intake, referrals):
    asked, _answered = referrals
    calendar = office_hours()
    department_actions.do_set_department_calendar(order_intake[0], calendar, by=org.andrei)
    department_actions.do_change_calendar(calendar, by=org.andrei, friday="")

    for referral in Referral.objects.filter(pk__in=[r.pk for r in asked]).select_related("department"):
        assert referral.due_at == expected(referral)

    department_actions.do_set_department_calendar(order_intake[0], None, by=org.andrei)

    for referral in Referral.objects.filter(pk__in=[r.pk for r in asked]).select_related("department"):
        assert referral.due_at == referral.asked_at + referral.department.referral_response_within


def test_flagged_referrals_keep_their_due(org, order_intake, referrals):
    asked, _answered = referrals
    flagged = asked[0]
    Referral.objects.filter(pk=flagged.pk).update(overdue_flagged_at=MONDAY + timedelta(days=3))
    before = Referral.objects.get(pk=flagged.pk).due_at

    department_actions.do_set_department_calendar(order_intake[0], office_hours(), by=org.andrei)

    assert Referral.objects.get(pk=flagged.pk).due_at == before


def test_a_tier_time_change_leaves_referrals_alone(org, order_intake, referrals):
    before = list(Referral.objects.order_by("pk").values_list("due_at", flat=True))

    department_actions.do_change_tier_time(org.t1, by=org.andrei, resolve_within=timedelta(hours=3))

    assert list(Referral.objects.order_by("pk").values_list("due_at", flat=True)) == before


def test_each_batch_of_referrals_is_one_update(org, order_intake, referrals):
    department_actions.do_set_department_calendar(order_intake[0], office_hours(), by=org.andrei)

    with CaptureQueriesContext(connection) as queries:
        written = do_recompute_referral_due(department_ids=[order_intake[0].pk], now=MONDAY, batch_size=2)

    assert written == 3
    updates = [q for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("UPDATE")]
    assert len(updates) == 2
