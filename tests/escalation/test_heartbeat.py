"""The dead-man's switch: each sweep stamps the clock; a stopped clock is reported once."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connections

from escalation.heartbeat import (
    clock_status,
    record_sweep_completed,
    stale_after,
    try_report_stopped_clock,
)
from escalation.models import ClockHeartbeat
from escalation.tasks import escalate_overdue
from outbox.models import OutboundEmail

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_three_intervals_is_the_default_limit(settings):
    settings.ESCALATION_SWEEP_SECONDS = 60
    assert stale_after() == timedelta(minutes=3)


@pytest.mark.django_db
def test_the_sweep_task_stamps_the_heartbeat(org):
    with time_machine.travel(T0, tick=False):
        escalate_overdue()
    assert ClockHeartbeat.objects.get().last_sweep_at == T0


@pytest.mark.django_db
def test_the_clock_is_healthy_exactly_at_the_limit_and_stopped_just_after(settings):
    settings.ESCALATION_SWEEP_SECONDS = 60
    record_sweep_completed(T0)
    assert clock_status(T0 + timedelta(minutes=3)).ok
    late = clock_status(T0 + timedelta(minutes=3, seconds=1))
    assert not late.ok
    assert late.as_dict()["age_seconds"] == 181
    assert late.as_dict()["last_sweep_at"] == T0.isoformat()


@pytest.mark.django_db
def test_a_clock_that_never_ran_is_stopped_three_intervals_after_someone_first_looked(settings):
    settings.ESCALATION_SWEEP_SECONDS = 60
    assert clock_status(T0).ok
    assert clock_status(T0 + timedelta(minutes=2)).ok
    assert not clock_status(T0 + timedelta(minutes=4)).ok


@pytest.mark.django_db
def test_a_healthy_clock_is_not_reported(org):
    record_sweep_completed(T0)
    assert try_report_stopped_clock(T0 + timedelta(seconds=30)) is False
    assert not OutboundEmail.objects.filter(kind="clock_stopped").exists()


@pytest.mark.django_db
def test_a_stopped_clock_is_reported_to_the_managers_once_per_outage(org, settings):
    settings.ESCALATION_SWEEP_SECONDS = 60
    record_sweep_completed(T0)
    assert try_report_stopped_clock(T0 + timedelta(minutes=4)) is True
    assert try_report_stopped_clock(T0 + timedelta(minutes=5)) is False
    assert try_report_stopped_clock(T0 + timedelta(hours=5)) is False
    [email] = OutboundEmail.objects.filter(kind="clock_stopped")
    assert email.recipients == [org.andrei.email]
    assert "clock has stopped" in email.subject

    # The clock recovers, then stops again: a new outage, a new message.
    record_sweep_completed(T0 + timedelta(hours=6))
    assert try_report_stopped_clock(T0 + timedelta(hours=6, minutes=1)) is False
    assert try_report_stopped_clock(T0 + timedelta(hours=6, minutes=4)) is True
    assert OutboundEmail.objects.filter(kind="clock_stopped").count() == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(60)
def test_many_processes_noticing_the_same_outage_send_exactly_one_email(org, settings):
    settings.ESCALATION_SWEEP_SECONDS = 60
    record_sweep_completed(T0)
    threads, rounds = 8, 5
    for round_ in range(rounds):
        noticed_at = T0 + timedelta(hours=round_, minutes=10)
        barrier = threading.Barrier(threads)
        results = []

        def notice(at=noticed_at, barrier=barrier, results=results):
            try:
                barrier.wait()
                results.append(try_report_stopped_clock(at))
            finally:
                connections.close_all()

        workers = [threading.Thread(target=notice) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert results.count(True) == 1, f"round {round_}: {results}"
        assert OutboundEmail.objects.filter(kind="clock_stopped").count() == round_ + 1
        # The clock comes back before the next round's outage.
        record_sweep_completed(noticed_at + timedelta(minutes=1))
