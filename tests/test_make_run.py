"""``make run``: the embedded default really runs, escalates on its own clock, and stops cleanly.

These tests start ``scripts/run.py`` (what ``make run`` runs once the virtualenv is
installed) against a fresh SQLite file and filesystem broker in a temporary directory,
with nothing but the environment a new user would have.
"""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Fixed ports below the ephemeral range, so a restarted server can always rebind them.
RUN_PORT = 18765
CRASH_PORT = 18766

pytestmark = pytest.mark.slow


def embedded_env(var_dir: Path) -> dict:
    """The environment of someone who just cloned the repository: no database, no broker."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "CELERY_BROKER_URL", "STATICFILES_BACKEND"}
        and not key.startswith(("PYTEST_", "DJANGO_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        TIERDESK_VAR_DIR=str(var_dir),
        ESCALATION_SWEEP_SECONDS="1",
        PYTHONUNBUFFERED="1",
    )
    return env


def start(var_dir: Path, port: int, log_path: Path) -> subprocess.Popen:
    log = log_path.open("w")
    # Its own session, like a terminal's foreground job, so the test can send the
    # process group a Ctrl-C.
    return subprocess.Popen(
        [sys.executable, "scripts/run.py", "--port", str(port), "--web-workers", "1"],
        cwd=ROOT,
        env=embedded_env(var_dir),
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def api(method: str, path: str, body: dict | None = None, token: str | None = None):
    """Call the JSON API of the running server; return (status, decoded body)."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{RUN_PORT}/api/v1/{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )
    if token:
        request.add_header("Authorization", f"Token {token}")
    status, raw = None, b""
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    return status, json.loads(raw) if raw else None


def token_of(username: str) -> str:
    status, body = api("POST", "auth/token/", {"username": username, "password": "demo"})
    assert status == 200, body
    return body["token"]


def wait_until_healthy(process: subprocess.Popen, port: int, log_path: Path, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"run.py exited early:\n{log_path.read_text()[-4000:]}"
        try:
            status, body = get(f"http://127.0.0.1:{port}/healthz/")
            if status == 200:
                return json.loads(body)
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail(f"/healthz/ did not answer within {timeout} s:\n{log_path.read_text()[-4000:]}")


def wait_for_text(log_path: Path, text: str, timeout: float = 10) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log = log_path.read_text()
        if text in log:
            return log
        time.sleep(0.2)
    pytest.fail(f"{text!r} not in the output within {timeout} s:\n{log_path.read_text()[-4000:]}")


def django_shell(var_dir: Path, code: str) -> str:
    """Run Python inside Django against the same SQLite file and broker as the server."""
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-v", "0", "-c", code],
        cwd=ROOT,
        env=embedded_env(var_dir),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def processes_using(var_dir: Path) -> list[str]:
    """Every live process started for this var directory (found by its environment)."""
    marker = f"TIERDESK_VAR_DIR={var_dir}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker in (entry / "environ").read_bytes().split(b"\0"):
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                found.append(f"{entry.name}: {cmdline}")
        except OSError:
            continue
    return found


def wait_for_exit(process: subprocess.Popen, var_dir: Path, timeout: float = 20) -> int:
    code = process.wait(timeout=timeout)
    deadline = time.monotonic() + 5
    while processes_using(var_dir) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_using(var_dir) == []
    return code


def kill_leftovers(process: subprocess.Popen, var_dir: Path) -> None:
    """After a failed assertion: leave no server behind for the next test."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    for line in processes_using(var_dir):
        os.kill(int(line.split(":")[0]), signal.SIGKILL)


def test_make_run_serves_escalates_by_the_clock_and_stops_on_ctrl_c(tmp_path):
    var_dir = (tmp_path / "var").resolve()
    log_path = tmp_path / "run.log"
    process = start(var_dir, RUN_PORT, log_path)
    try:
        health = wait_until_healthy(process, RUN_PORT, log_path)
        assert health["database"]["vendor"] == "sqlite"
        assert health["broker"] == {
            "ok": True,
            "transport": "filesystem",
            "ms": health["broker"]["ms"],
        }
        assert (var_dir / "tierdesk.sqlite3").exists()
        status, schema = get(f"http://127.0.0.1:{RUN_PORT}/api/schema/")
        assert status == 200
        assert b"Tierdesk API" in schema
        # Pages with static files render without collectstatic.
        assert get(f"http://127.0.0.1:{RUN_PORT}/accounts/login/")[0] == 200
        assert get(f"http://127.0.0.1:{RUN_PORT}/admin/login/")[0] == 200
        assert get(f"http://127.0.0.1:{RUN_PORT}/static/admin/css/base.css")[0] == 200

        # The demo organisation was loaded (its seven tickets, next to the simulated history)
        # and the banner names the users.
        demo_tickets = (
            "from tickets.models import Ticket; "
            "print(Ticket.objects.filter(customer__external_reference__startswith='DEMO-').count())"
        )
        assert django_shell(var_dir, demo_tickets) == "7"
        banner = wait_for_text(log_path, f"Tierdesk is running at http://127.0.0.1:{RUN_PORT}")
        assert "ioana" in banner and "Password for the users created now: demo" in banner

        # A manager gives the front line two seconds; ana logs a call through the API. The
        # worker's embedded beat runs the sweep every second, so the ticket moves up alone.
        status, body = api(
            "PATCH",
            "departments/customer-service/tiers/1/",
            {"resolve_within": "00:00:02"},
            token_of("andrei"),
        )
        assert status == 200, body
        ana = token_of("ana")
        status, ticket = api(
            "POST",
            "tickets/",
            {
                "subject": "Escalate me",
                "customer": {"name": "Smoke Test", "phone": "+40 700 000 000"},
            },
            ana,
        )
        assert status == 201, ticket
        assert (ticket["tier"], ticket["owner"]) == (1, "ana")
        reference = ticket["reference"]

        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            status, ticket = api("GET", f"tickets/{reference}/", token=ana)
            if ticket["tier"] == 2:
                break
            time.sleep(0.5)
        assert ticket["tier"] == 2, f"not escalated within 40 s:\n{log_path.read_text()[-4000:]}"
        assert ticket["owner"] is None
        status, handoffs = api("GET", f"tickets/{reference}/handoffs/", token=ana)
        assert [(h["kind"], h["actor"]) for h in handoffs] == [
            ("opened", "ana"),
            ("escalated", None),
        ]

        # Ctrl-C: the terminal signals the whole foreground process group.
        os.killpg(process.pid, signal.SIGINT)
        assert wait_for_exit(process, var_dir) == 0
        assert "stopped." in log_path.read_text()
    finally:
        kill_leftovers(process, var_dir)


def test_make_run_stops_everything_and_fails_when_a_child_dies(tmp_path):
    var_dir = (tmp_path / "var").resolve()
    log_path = tmp_path / "run.log"
    process = start(var_dir, CRASH_PORT, log_path)
    try:
        wait_until_healthy(process, CRASH_PORT, log_path)
        workers = [
            int(line.split(":")[0])
            for line in processes_using(var_dir)
            if "celery" in line and int(line.split(":")[0]) == os.getpgid(int(line.split(":")[0]))
        ]
        assert len(workers) == 1, processes_using(var_dir)

        os.kill(workers[0], signal.SIGKILL)

        assert wait_for_exit(process, var_dir) == 1
        assert "worker exited with code -9" in log_path.read_text()
    finally:
        kill_leftovers(process, var_dir)


def test_make_run_and_make_test_call_the_supervisor_and_the_whole_suite():
    dry_run = subprocess.run(
        ["make", "-n", "run", "test", "PORT=18999"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    assert "scripts/run.py --port 18999" in dry_run
    assert "scripts/ensure-services.sh" in dry_run
    assert "ruff check ." in dry_run
    assert "pytest" in dry_run


def test_ci_entry_point_runs_make_test():
    ci = ROOT / ".ci" / "run"
    assert os.access(ci, os.X_OK)
    text = ci.read_text()
    assert text.startswith("#!/usr/bin/env bash")
    assert "set -euo pipefail" in text
    assert text.strip().endswith("exec make test")
