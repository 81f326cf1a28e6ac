"""``manage.py generate_load``: a history ending now, consistent with the ledger, with its skews.

The command drops and creates the database it is pointed at, so the test runs it in a
subprocess against a scratch database of its own (never the test database), then reads the
result with plain SQL.
"""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import psycopg2
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from bench import dashboard

ROOT = Path(__file__).resolve().parents[2]
TICKETS = 3_000


def _scratch_url() -> tuple[str, dict]:
    settings = connection.settings_dict
    name = f"{settings['NAME']}_generate_load"[:63]
    auth = settings["USER"] + (f":{settings['PASSWORD']}" if settings.get("PASSWORD") else "")
    url = f"postgres://{auth}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{name}"
    params = {"dbname": name, "user": settings["USER"], "password": settings.get("PASSWORD") or None,
              "host": settings["HOST"] or "127.0.0.1", "port": settings["PORT"] or 5432}
    return url, params


def _run(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url, "CELERY_BROKER_URL": "memory://",
           "DJANGO_SETTINGS_MODULE": "config.settings"}
    return subprocess.run(
        [sys.executable, "manage.py", "generate_load", "--tickets", str(TICKETS), "--quiet", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )


def _drop(params: dict) -> None:
    admin = psycopg2.connect(**{**params, "dbname": "postgres"})
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{params["dbname"]}" WITH (FORCE)')
    admin.close()


@pytest.fixture(scope="module")
def loaded():
    assert connection.vendor == "postgresql", "generate_load is PostgreSQL's: run on PostgreSQL"
    url, params = _scratch_url()
    _drop(params)
    first = _run(url)
    assert first.returncode == 0, first.stderr[-3000:]
    conn = psycopg2.connect(**params)
    conn.autocommit = True
    yield first, conn, url
    conn.close()
    _drop(params)


def _one(conn, sql: str, *args):
    with conn.cursor() as cursor:
        cursor.execute(sql, args)
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_it_writes_the_tickets_and_everything_around_them(loaded):
    result, conn, _url = loaded
    assert _one(conn, "SELECT COUNT(*) FROM tickets_ticket") == TICKETS
    for table in ("tickets_customer", "tickets_handoff", "tickets_holding", "tickets_note",
                  "tickets_referral", "reports_surveyresponse"):
        assert _one(conn, f"SELECT COUNT(*) FROM {table}") > 0, table
    assert _one(conn, "SELECT COUNT(*) FROM tickets_referral WHERE answered_at IS NULL") > 0
    assert _one(conn, "SELECT COUNT(*) FROM tickets_note WHERE NOT internal") > 0
    assert "notes" in result.stdout and "referrals" in result.stdout


@pytest.mark.django_db
def test_the_history_ends_now(loaded):
    _result, conn, _url = loaded
    latest = _one(conn, "SELECT MAX(at) FROM tickets_handoff")
    assert timezone.now() - timedelta(hours=6) < latest <= timezone.now()
    share_open = _one(conn, "SELECT AVG((status = 'open')::int) FROM tickets_ticket")
    assert 0.02 < share_open < 0.1
    # Today's calls wait in the queues and in people's hands, due later today or tomorrow.
    assert _one(conn, "SELECT COUNT(*) FROM tickets_ticket WHERE status = 'open'"
                      " AND NOT breached AND due_at > now()") > 0


@pytest.mark.django_db
def test_the_ledger_replays_to_every_ticket_and_its_journey(loaded):
    _result, conn, _url = loaded
    checks = {
        "journeys": dashboard.JOURNEY_MISMATCHES_SQL,
        "since_previous": dashboard.SINCE_PREVIOUS_MISMATCHES_SQL,
        "holdings": dashboard.HOLDING_MISMATCHES_SQL,
        "state": dashboard.STATE_MISMATCHES_SQL,
        "orphans": dashboard.ORPHANS_SQL,
        "outside_life": dashboard.OUTSIDE_LIFE_SQL,
    }
    assert {name: _one(conn, sql) for name, sql in checks.items()} == dict.fromkeys(checks, 0)


@pytest.mark.django_db
def test_it_includes_the_skewed_cases(loaded):
    result, conn, _url = loaded
    busiest_owner = _one(conn, "SELECT MAX(n) FROM (SELECT COUNT(*) n FROM tickets_ticket"
                               " WHERE status = 'open' GROUP BY owner_id HAVING owner_id IS NOT NULL) o")
    open_tickets = _one(conn, "SELECT COUNT(*) FROM tickets_ticket WHERE status = 'open'")
    assert busiest_owner >= open_tickets * 0.15  # one expert keeps claiming the backlog
    assert _one(conn, "SELECT MAX(n) FROM (SELECT COUNT(*) n FROM tickets_ticket"
                      " GROUP BY customer_id) c") >= 200
    assert _one(conn, "SELECT MAX(n) FROM (SELECT COUNT(*) n FROM tickets_handoff"
                      " GROUP BY ticket_id) h") >= 300
    assert "one expert holds" in result.stdout


@pytest.mark.django_db
def test_asked_again_the_same_day_it_reuses_what_it_built(loaded):
    _result, _conn, url = loaded
    again = _run(url)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "database reused" in again.stdout


def test_it_refuses_tiny_sizes():
    with pytest.raises(CommandError, match="at least"):
        call_command("generate_load", "--tickets", "10")


def test_it_refuses_sqlite_with_a_clear_message(tmp_path):
    result = _run(f"sqlite:///{tmp_path / 'embedded.sqlite3'}")
    assert result.returncode != 0
    assert "PostgreSQL's COPY" in result.stderr
    assert "Traceback" not in result.stderr
