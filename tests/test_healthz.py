"""``/healthz/``: the database decides the status code, the broker is reported alongside."""

import time
from contextlib import contextmanager

import pytest
from django.db import connection
from django.urls import reverse

from config.celery import app
from tickets.models import OutboundEmail

# Nothing listens here on these machines: connections are refused at once.
UNUSED_PORT = 6399


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
def test_healthz_reports_database_and_redis_broker_ok(client):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["database"]["vendor"] == "postgresql"
    assert body["broker"] == {"ok": True, "transport": "redis", "ms": body["broker"]["ms"]}
    assert body["outbox"] == {"pending": 0}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_with_redis_down_answers_200_degraded_within_three_seconds(client, broker):
    with broker(f"redis://127.0.0.1:{UNUSED_PORT}/0"):
        started = time.monotonic()
        response = client.get(reverse("healthz"))
        elapsed = time.monotonic() - started

    assert elapsed < 3
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is False
    assert str(UNUSED_PORT) in body["broker"]["error"]


@pytest.mark.django_db
def test_healthz_reports_filesystem_broker_ok_when_its_folders_exist(client, broker, tmp_path):
    options = filesystem_options(tmp_path)
    for folder in set(options.values()):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)

    with broker("filesystem://", options):
        response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json()["broker"]["ok"] is True
    assert response.json()["broker"]["transport"] == "filesystem"


@pytest.mark.django_db
def test_healthz_reports_filesystem_broker_down_when_its_folder_is_missing(
    client, broker, tmp_path
):
    with broker("filesystem://", filesystem_options(tmp_path / "nowhere")):
        response = client.get(reverse("healthz"))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["broker"]["ok"] is False
    assert "data_folder_in" in body["broker"]["error"]


@pytest.mark.django_db
def test_healthz_counts_emails_waiting_in_the_outbox(client):
    OutboundEmail.objects.create(kind="test", recipients=["a@example.com"], subject="s", body="b")

    response = client.get(reverse("healthz"))

    assert response.json()["outbox"] == {"pending": 1}


@pytest.mark.django_db(transaction=True)
def test_healthz_answers_503_quickly_when_the_database_is_unreachable(client):
    saved_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = UNUSED_PORT
    try:
        started = time.monotonic()
        response = client.get(reverse("healthz"))
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
def test_healthz_refuses_other_methods(client):
    assert client.post(reverse("healthz")).status_code == 405
