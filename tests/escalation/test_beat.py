"""Beat keeps the clock going when its own clock steps, and no periodic copy can arrive expired."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from celery.beat import PersistentScheduler
from django.conf import settings
from kombu import Connection

from config.celery import app as celery_app
from escalation.beat import ClockSafeScheduler, forget_future_runs

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
IDEMPOTENT = ("escalate-overdue", "drain-outbox", "flag-overdue-referrals", "refresh-report-snapshots")


class Recording:
    """Beat without a broker: remembers what it would have sent."""

    producer = None

    def __init__(self, *args, **kwargs):
        self.sent = []
        super().__init__(*args, **kwargs)

    def apply_entry(self, entry, producer=None):
        self.sent.append(entry.name)

    def send_everything_due(self) -> list[str]:
        self.sent = []
        for _ in range(50):
            if self.tick() > 0:
                break
        return sorted(self.sent)


class RecordingClockSafe(Recording, ClockSafeScheduler):
    pass


class RecordingPlain(Recording, PersistentScheduler):
    pass


def beat(cls, tmp_path):
    return cls(app=celery_app, schedule_filename=str(tmp_path / "beat-schedule"))


def test_after_the_clock_steps_back_an_hour_the_sweep_is_due_again_at_once(tmp_path):
    with time_machine.travel(T0, tick=False):
        scheduler = beat(RecordingClockSafe, tmp_path)
        scheduler.send_everything_due()
    with time_machine.travel(T0 - timedelta(hours=1), tick=False):
        sent = scheduler.send_everything_due()
    assert set(IDEMPOTENT) <= set(sent)


def test_celerys_own_scheduler_stalls_after_the_same_step(tmp_path):
    """The failure the guard exists for: without it, nothing is sent until the clock catches up."""
    with time_machine.travel(T0, tick=False):
        scheduler = beat(RecordingPlain, tmp_path)
        scheduler.send_everything_due()
    with time_machine.travel(T0 - timedelta(hours=1) + timedelta(minutes=5), tick=False):
        assert scheduler.send_everything_due() == []


def test_a_schedule_file_holding_a_future_last_run_is_due_at_once_on_restart(tmp_path):
    with time_machine.travel(T0, tick=False):
        first = beat(RecordingClockSafe, tmp_path)
        first.send_everything_due()
        first.close()
    with time_machine.travel(T0 - timedelta(hours=1), tick=False):
        restarted = beat(RecordingClockSafe, tmp_path)
        assert restarted.schedule["escalate-overdue"].is_due().is_due
        assert set(IDEMPOTENT) <= set(restarted.send_everything_due())


def test_after_a_forward_step_each_entry_is_sent_once_not_once_per_missed_interval(tmp_path):
    with time_machine.travel(T0, tick=False):
        scheduler = beat(RecordingClockSafe, tmp_path)
        scheduler.send_everything_due()
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        sent = scheduler.send_everything_due()
    assert sent.count("escalate-overdue") == 1


def test_a_crontab_entry_that_ran_in_the_future_is_counted_from_now_not_rerun(tmp_path):
    with time_machine.travel(T0, tick=False):
        scheduler = beat(RecordingClockSafe, tmp_path)
        digest = scheduler.schedule["weekly-bulletin-digest"]
        digest.last_run_at = T0 + timedelta(hours=1)
        assert forget_future_runs([digest]) == ["weekly-bulletin-digest"]
        assert digest.last_run_at == digest.default_now()
        assert not digest.is_due().is_due


def test_an_entry_that_ran_in_the_past_is_left_alone(tmp_path):
    with time_machine.travel(T0, tick=False):
        scheduler = beat(RecordingClockSafe, tmp_path)
        sweep = scheduler.schedule["escalate-overdue"]
        sweep.last_run_at = T0 - timedelta(seconds=10)
        assert forget_future_runs([sweep]) == []
        assert sweep.last_run_at == T0 - timedelta(seconds=10)


def test_settings_use_the_clock_safe_scheduler():
    assert settings.CELERY_BEAT_SCHEDULER == "escalation.beat:ClockSafeScheduler"
    assert celery_app.conf.beat_scheduler == "escalation.beat:ClockSafeScheduler"


@pytest.mark.parametrize("name", IDEMPOTENT)
def test_idempotent_periodic_tasks_carry_no_expiry_in_the_schedule(name):
    assert settings.CELERY_BEAT_SCHEDULE[name]["options"].get("expires") is None


@pytest.mark.parametrize("name", IDEMPOTENT)
def test_the_message_beat_sends_has_no_expiry_even_if_the_task_declares_one(name):
    """What a worker checks is the message's ``expires`` header: it must be empty."""
    entry = settings.CELERY_BEAT_SCHEDULE[name]
    # What a worker does at start: import every app's tasks module (autodiscover is lazy).
    celery_app.loader.import_default_modules()
    task = celery_app.tasks[entry["task"]]
    with Connection("memory://") as connection:
        queue = connection.SimpleQueue("celery")
        task.apply_async(producer=connection.Producer(), queue="celery", **entry["options"])
        message = queue.get(timeout=2)
        assert message.headers["task"] == entry["task"]
        assert message.headers["expires"] is None
        message.ack()
        queue.close()
