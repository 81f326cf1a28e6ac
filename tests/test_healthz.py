"""``/healthz/``: the database and the clock decide the status code, the broker is reported.

These tests read the details, as monitoring does (with the health token); what anonymous
callers see is in tests/test_public_endpoints.py.
"""

import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from config.celery import app
from escalation.heartbeat import record_sweep_completed
from outbox.models import OutboundEmail

# Nothing listens here on these machines: connections are refused at once.
UNUSED_PORT = 6399


HEALTH_TOKEN = "monitoring-secret"


@pytest.fixture
def monitor(settings):
    """A client that sees the details: monitoring with the health token."""
    settings.TIERDESK_PUBLIC_HEALTH_DETAILS = False
    settings.TIERDESK_HEALTH_TOKEN = HEALTH_TOKEN
    return Client(headers={"Authorization": f"Bearer {HEALTH_TOKEN}"})


@pytest.fixture
def broker(monkeypatch):
    """Point the Celery app at another broker for the duration of a test."""

    @contextmanager
    def pointed_at(url: str, transport_options: dict | None = None):
        saved_url, saved_options = app.conf.broker_url, app.conf.broker_transport_options
        # Celery reads the CELERY_BROKER_URL environment variable before its own setting.
        monkeypatch.setenv("CELERY_BROKER_URL", url)
        app.conf.broker_url = url
        if transport_options is not None:
            app.conf.broker_transport_options = transport_options
        try:
            yield
        finally:
            monkeypatch.setenv("CELERY_BROKER_URL", saved_url)
            app.conf.broker_url, app.conf.broker_transport_options = saved_url, saved_options

    return pointed_at


def filesystem_options(root):
    folders = {
        "data_folder_in": root / "out",
        "data_folder_out": root / "out",
        "control_folder": root / "control",
        "processed_folder": root / "processed",
    }
    return {key: str(path) for key, path in folders.items()}


@pytest.mark.django_db
def test_healthz_reports_database_and_redis_broker_ok(monitor):
    response = monitor.get(reverse("healthz"))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["database"]["vendor"] == "postgresql"
    assert body["broker"] == {"ok": True, "transport": "redis", "ms": body["broker"]["ms"]}
    assert body["outbox"] == {"pending": 0}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_with_redis_down_answers_200_degraded_within_three_seconds(monitor, broker):
    with broker(f"redis://127.0.0.1:{UNUSED_PORT}/0"):
        started = time.monotonic()
        response = monitor.get(reverse("healthz"))
        elapsed = time.monotonic() - started

    assert elapsed < 3
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is False
    assert str(UNUSED_PORT) in body["broker"]["error"]


@pytest.mark.django_db
def test_healthz_reports_filesystem_broker_ok_when_its_folders_exist(monitor, broker, tmp_path):
    options = filesystem_options(tmp_path)
    for folder in set(options.values()):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)

    with broker("filesystem://", options):
        response = monitor.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json()["broker"]["ok"] is True
    assert response.json()["broker"]["transport"] == "filesystem"


@pytest.mark.django_db
def test_healthz_reports_filesystem_broker_down_when_its_folder_is_missing(
    monitor, broker, tmp_path
):
    with broker("filesystem://", filesystem_options(tmp_path / "nowhere")):
        response = monitor.get(reverse("healthz"))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["broker"]["ok"] is False
    assert "data_folder_in" in body["broker"]["error"]


@pytest.mark.django_db
def test_healthz_counts_emails_waiting_in_the_outbox(monitor):
    OutboundEmail.objects.create(kind="test", recipients=["a@example.com"], subject="s", body="b")

    response = monitor.get(reverse("healthz"))

    assert response.json()["outbox"] == {"pending": 1}


@pytest.mark.django_db(transaction=True)
def test_healthz_answers_503_quickly_when_the_database_is_unreachable(monitor):
    saved_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = UNUSED_PORT
    try:
        started = time.monotonic()
        response = monitor.get(reverse("healthz"))
        elapsed = time.monotonic() - started
    finally:
        connection.close()
        connection.settings_dict["PORT"] = saved_port

    assert elapsed < 3
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"]["ok"] is False
    assert "outbox" not in body
    # The broker is still checked and reported: an operator sees both at once.
    assert body["broker"]["ok"] is True


@pytest.mark.django_db
def test_healthz_refuses_other_methods(monitor):
    assert monitor.post(reverse("healthz")).status_code == 405


@pytest.mark.django_db
def test_healthz_reports_the_age_of_the_last_completed_sweep(monitor, settings):
    settings.ESCALATION_SWEEP_SECONDS = 60
    now = timezone.now()
    record_sweep_completed(now - timedelta(seconds=42))

    with time_machine.travel(now, tick=False):
        response = monitor.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json()["clock"] == {
        "ok": True,
        "last_sweep_at": (now - timedelta(seconds=42)).isoformat(),
        "age_seconds": 42,
        "limit_seconds": 180,
    }


@pytest.mark.django_db
def test_healthz_turns_503_after_three_intervals_without_a_sweep_and_tells_managers_once(
    monitor, settings, org
):
    settings.ESCALATION_SWEEP_SECONDS = 60
    now = timezone.now()
    record_sweep_completed(now - timedelta(minutes=3))

    with time_machine.travel(now, tick=False):
        assert monitor.get(reverse("healthz")).status_code == 200
    with time_machine.travel(now + timedelta(seconds=1), tick=False):
        response = monitor.get(reverse("healthz"))
    with time_machine.travel(now + timedelta(minutes=5), tick=False):
        again = monitor.get(reverse("healthz"))

    assert response.status_code == again.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"]["ok"] is True
    assert body["clock"]["ok"] is False
    assert body["clock"]["age_seconds"] == 181
    [email] = OutboundEmail.objects.filter(kind="clock_stopped")
    assert email.recipients == [org.andrei.email]


@pytest.mark.django_db
def test_healthz_recovers_with_the_next_completed_sweep(monitor, settings):
    settings.ESCALATION_SWEEP_SECONDS = 60
    record_sweep_completed(timezone.now() - timedelta(hours=1))
    assert monitor.get(reverse("healthz")).status_code == 503

    record_sweep_completed()

    assert monitor.get(reverse("healthz")).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_requests_answer_503_with_retry_after_while_the_database_is_unreachable(monitor):
    saved_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = UNUSED_PORT
    try:
        response = monitor.get("/api/v1/tickets/", HTTP_AUTHORIZATION="Token abc")
    finally:
        connection.close()
        connection.settings_dict["PORT"] = saved_port

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["code"] == "database_unavailable"
