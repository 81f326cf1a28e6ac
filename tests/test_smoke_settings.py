"""Settings smoke tests: the suite runs on PostgreSQL, and the database settings follow the environment.

``config.settings`` reads the environment once, at import, so each case imports it afresh
in a subprocess with the environment it describes.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = "postgres://tierdesk_app:secret@db.example.com:5432/tierdesk"
PRINT_DATABASE = "import json, config.settings as s; print(json.dumps(s.DATABASES['default']))"


def import_settings(tmp_path, **environment: str) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "CONN_MAX_AGE", "DJANGO_", "PYTEST_"))
    }
    env.update(TIERDESK_VAR_DIR=str(tmp_path), **environment)
    return subprocess.run(
        [sys.executable, "-c", PRINT_DATABASE],
        cwd=ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
    )


def database_settings(tmp_path, **environment: str) -> dict:
    result = import_settings(tmp_path, **environment)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_tests_run_on_postgresql(db):
    assert connection.vendor == "postgresql"


def test_postgresql_keeps_connections_and_sends_the_oltp_session_settings(tmp_path):
    database = database_settings(tmp_path, DATABASE_URL=POSTGRES_URL)
    assert database["CONN_MAX_AGE"] == 60
    assert database["CONN_HEALTH_CHECKS"] is True
    assert database["OPTIONS"]["options"] == "-c jit=off -c work_mem=16MB -c statement_timeout=30000"
    assert "DISABLE_SERVER_SIDE_CURSORS" not in database


def test_postgresql_session_settings_follow_the_environment(tmp_path):
    database = database_settings(
        tmp_path, DATABASE_URL=POSTGRES_URL, CONN_MAX_AGE="0",
        DATABASE_WORK_MEM="64MB", DATABASE_STATEMENT_TIMEOUT_MS="0",
    )
    assert database["CONN_MAX_AGE"] == 0
    # 0 sends "no limit" explicitly, so it also overrides a limit set on the role.
    assert database["OPTIONS"]["options"] == "-c jit=off -c work_mem=64MB -c statement_timeout=0"


def test_behind_pgbouncer_no_startup_options_and_no_server_side_cursors(tmp_path):
    database = database_settings(tmp_path, DATABASE_URL=POSTGRES_URL, DATABASE_POOLER="pgbouncer")
    assert "options" not in database.get("OPTIONS", {})
    assert database["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert database["CONN_MAX_AGE"] == 60


def test_sqlite_keeps_its_options_and_closes_connections_after_each_request(tmp_path):
    database = database_settings(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert database["CONN_MAX_AGE"] == 0
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert database["OPTIONS"]["timeout"] == 20
    assert "options" not in database["OPTIONS"]


def test_an_unknown_pooler_or_a_work_mem_with_spaces_is_refused(tmp_path):
    unknown = import_settings(tmp_path, DATABASE_URL=POSTGRES_URL, DATABASE_POOLER="pgpool")
    assert unknown.returncode != 0
    assert "ImproperlyConfigured: DATABASE_POOLER='pgpool'" in unknown.stderr
    smuggled = import_settings(tmp_path, DATABASE_URL=POSTGRES_URL, DATABASE_WORK_MEM="16MB -c jit=on")
    assert smuggled.returncode != 0
    assert "ImproperlyConfigured: DATABASE_WORK_MEM" in smuggled.stderr


def test_the_test_database_session_runs_with_the_oltp_settings(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('jit'), current_setting('work_mem'), current_setting('statement_timeout')")
        assert cursor.fetchone() == ("off", "16MB", "30s")


PRINT_SESSION_ENGINE = "import config.settings as s; print(s.SESSION_ENGINE)"


def session_engine(tmp_path, **environment: str) -> str:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CACHE_URL", "DJANGO_"))}
    env.update(TIERDESK_VAR_DIR=str(tmp_path), **environment)
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SESSION_ENGINE],
        cwd=ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_sessions_are_read_from_a_shared_cache_and_written_through_to_the_database(tmp_path):
    assert (session_engine(tmp_path, CACHE_URL="redis://127.0.0.1:6379/1")
            == "django.contrib.sessions.backends.cached_db")


def test_sessions_stay_in_the_database_when_each_process_has_its_own_cache(tmp_path):
    # One gunicorn worker's memory would keep a session another worker ended at sign-out.
    assert session_engine(tmp_path) == "django.contrib.sessions.backends.db"
    assert session_engine(tmp_path, CACHE_URL="locmemcache://") == "django.contrib.sessions.backends.db"
