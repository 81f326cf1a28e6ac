"""The drill's machinery: its private processes, database and Redis, the API load, the report.

Used by scripts/drill/drill.py (the entry point, ``make drill``) and scripts/drill/drills.py
(the drills themselves).
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PY = sys.executable
DB_NAME = "tierdesk_drill"
PG = {"host": "127.0.0.1", "port": "5432", "user": "postgres"}
REDIS_PORT = 6392
WEB_PORT = 8092
SMTP_PORT = 8026
SWEEP_SECONDS = 2
TIER_SECONDS = 20
HEALTH_TOKEN = "drill-health-token"
LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
WORK = ROOT / "var" / "drill"


def log(message: str) -> None:
    print(f"[drill {time.strftime('%H:%M:%S')}] {message}", flush=True)


def port_is_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_until(condition, *, timeout: float, what: str, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise DrillFailure(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)


class DrillFailure(Exception):
    pass


# --- processes ----------------------------------------------------------------------------


class Processes:
    """Every child by name, each the leader of its own process group."""

    def __init__(self, env: dict[str, str]):
        self.env = env
        self.children: dict[str, subprocess.Popen] = {}

    def start(self, name: str, argv: list[str], *, env: dict | None = None) -> subprocess.Popen:
        if name in self.children and self.children[name].poll() is None:
            raise DrillFailure(f"{name} is already running")
        logfile = open(WORK / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            argv, cwd=ROOT, env={**self.env, **(env or {})}, stdout=logfile,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        logfile.close()
        self.children[name] = process
        log(f"started {name} (pid {process.pid})")
        return process

    def signal_group(self, name: str, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.children[name].pid, signum)

    def stop(self, name: str, grace: float = 10) -> None:
        process = self.children.pop(name, None)
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            log(f"{name} ignored SIGTERM for {grace:g} s: SIGKILL")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def kill9(self, name: str) -> None:
        process = self.children.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        log(f"killed {name} (pid {process.pid}) with SIGKILL")

    def assert_alive(self, *names: str) -> None:
        for name in names:
            code = self.children[name].poll()
            if code is not None:
                raise DrillFailure(f"{name} exited with {code}: see {WORK / (name + '.log')}")

    def stop_all(self) -> None:
        for name in list(self.children):
            self.stop(name, grace=5)


def gunicorn_argv() -> list[str]:
    argv = [PY, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{WEB_PORT}",
            "--workers", "3", "--threads", "4", "--timeout", "30", "--graceful-timeout", "5"]  # fmt: skip
    with contextlib.suppress(importlib.metadata.PackageNotFoundError, ValueError):
        if int(importlib.metadata.version("gunicorn").split(".")[0]) >= 27:
            argv.append("--no-control-socket")
    return argv


def worker_argv(name: str) -> list[str]:
    return [PY, "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO",
            "--concurrency", "2", "-n", f"{name}-{os.getpid()}@%h",
            "--without-gossip", "--without-mingle"]  # fmt: skip


def beat_argv(name: str) -> list[str]:
    return [PY, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO",
            "-s", str(WORK / f"{name}-schedule")]  # fmt: skip


# --- the private redis and database -------------------------------------------------------


def start_redis(procs: Processes) -> None:
    if port_is_open(REDIS_PORT):
        raise DrillFailure(f"port {REDIS_PORT} is taken: a stale drill redis-server?")
    procs.start("redis", ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1",
                          "--save", "", "--appendonly", "no", "--daemonize", "no"])  # fmt: skip
    wait_until(lambda: port_is_open(REDIS_PORT), timeout=10, what="the drill redis-server")


def stop_redis(procs: Processes) -> None:
    procs.stop("redis")
    wait_until(lambda: not port_is_open(REDIS_PORT), timeout=10, what="redis to stop")


def psql(sql: str, database: str = "postgres") -> str:
    result = subprocess.run(
        ["psql", "-h", PG["host"], "-p", PG["port"], "-U", PG["user"], "-d", database,
         "-v", "ON_ERROR_STOP=1", "-Atc", sql],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    if result.returncode != 0:
        raise DrillFailure(f"psql failed: {sql}\n{result.stderr}")
    return result.stdout.strip()


def database_reachable(allowed: bool) -> None:
    psql(f"ALTER DATABASE {DB_NAME} ALLOW_CONNECTIONS {'true' if allowed else 'false'}")
    if not allowed:
        psql(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            f"WHERE datname = '{DB_NAME}' AND pid <> pg_backend_pid()"
        )


def recreate_database() -> None:
    with contextlib.suppress(DrillFailure):
        database_reachable(True)
    psql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    psql(f"CREATE DATABASE {DB_NAME}")


# --- talking to the app -------------------------------------------------------------------


def django(procs: Processes, *args: str, timeout: float = 300) -> dict | list:
    result = subprocess.run(
        [PY, "scripts/drill/ledger_checks.py", *args], cwd=ROOT, env=procs.env,
        capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    lines = result.stdout.strip().splitlines()
    if not lines:
        raise DrillFailure(f"ledger_checks {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return json.loads(lines[-1])


def manage(procs: Processes, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=procs.env, capture_output=True, text=True,
        timeout=timeout,
    )  # fmt: skip


def http(method: str, path: str, body: dict | None = None, token: str | None = None,
         timeout: float = 30) -> tuple[int, bytes]:  # fmt: skip
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = token
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"http://127.0.0.1:{WEB_PORT}{path}", data=data, method=method, headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except (urllib.error.URLError, OSError) as exc:
        return 0, str(exc).encode()


def api_token(username: str) -> str:
    status, body = http("POST", "/api/v1/auth/token/", {"username": username, "password": "demo"})
    if status != 200:
        raise DrillFailure(f"no token for {username}: {status} {body[:300]!r}")
    return f"Token {json.loads(body)['token']}"


class Load:
    """A bounded load: ``threads`` loops logging a call and claiming a queued ticket, counting codes.

    Bounded twice: each loop pauses ``pause`` seconds between requests, and ``stop()`` ends it.
    """

    def __init__(self, agent: str, claimer: str, threads: int = 4, pause: float = 0.05):
        self.agent, self.claimer = agent, claimer
        self.threads, self.pause = threads, pause
        self.codes: Counter = Counter()
        self.opened: list[str] = []
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.phase = "before"

    def _loop(self, n: int) -> None:
        while not self._stop.is_set():
            status, body = http("POST", "/api/v1/tickets/", {
                "subject": f"Load call {n}-{time.monotonic_ns()}",
                "description": "Logged by the drill's load loop.",
                "category": "product-fault",
                "customer": {"name": f"Load customer {n}", "phone": f"+40 722 {n:03d} 000"},
            }, token=self.agent)  # fmt: skip
            self._count("log", status)
            if status == 201:
                with self.lock:
                    self.opened.append(json.loads(body)["reference"])
            status, body = http(
                "GET", "/api/v1/tickets/?status=open&department=customer-service&tier=2",
                token=self.claimer,
            )
            self._count("list", status)
            if status == 200:
                results = json.loads(body).get("results", [])
                for ticket in [t for t in results if not t.get("owner")][:1]:
                    status, _ = http(
                        "POST", f"/api/v1/tickets/{ticket['reference']}/claim/", token=self.claimer
                    )
                    self._count("claim", status)
            self._stop.wait(self.pause)

    def _count(self, what: str, status: int) -> None:
        with self.lock:
            self.codes[(self.phase, what, status)] += 1

    def start(self) -> Load:
        self._threads = [threading.Thread(target=self._loop, args=(n,), daemon=True)
                         for n in range(self.threads)]  # fmt: skip
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def summary(self) -> dict:
        with self.lock:
            by_phase: dict[str, dict[str, int]] = {}
            for (phase, what, status), n in sorted(self.codes.items()):
                by_phase.setdefault(phase, {})[f"{what} {status}"] = n
            total = sum(self.codes.values())
            errors = sum(n for (_p, _w, s), n in self.codes.items() if s >= 500 or s == 0)
        return {"requests": total, "5xx_or_no_answer": errors, "by_phase": by_phase}


# --- checks -------------------------------------------------------------------------------


class Report:
    def __init__(self):
        self.results: dict[str, dict] = {}
        self.failed: list[str] = []

    def record(self, drill: str, ok: bool, **facts) -> None:
        self.results[drill] = {"ok": ok, **facts}
        log(f"{drill}: {'PASS' if ok else 'FAIL'} {json.dumps(facts, default=str)[:1500]}")
        if not ok:
            self.failed.append(drill)


def settle(procs: Processes, timeout: float = 120) -> dict:
    """Wait until nothing is due and the outbox is empty (the workers catch up)."""

    def settled():
        counts = django(procs, "counts")
        return counts if counts["due_now"] == 0 and counts["outbox_pending"] == 0 else None

    try:
        return wait_until(settled, timeout=timeout, what="the sweep and the outbox to catch up",
                          interval=2)  # fmt: skip
    except DrillFailure:
        return django(procs, "counts")


def check_invariants(procs: Processes, report: Report, after: str) -> bool:
    invariants = django(procs, "invariants", "--settle-seconds", str(SWEEP_SECONDS * 5))
    verify = manage(procs, "verify_ledger")
    ok = invariants["ok"] and verify.returncode == 0
    report.record(
        f"invariants after {after}", ok,
        problems={k: v for k, v in invariants["problems"].items() if v},
        tickets=invariants["tickets"], handoffs=invariants["handoffs"],
        verify_ledger=(verify.stdout.strip() or verify.stderr.strip())[-300:],
    )  # fmt: skip
    return ok


def log_count(name: str, text: str) -> int:
    path = WORK / f"{name}.log"
    return path.read_text(errors="replace").count(text) if path.exists() else 0


def worker_logs_count(*texts: str) -> int:
    """Lines of the workers' logs that contain every one of ``texts``."""
    return sum(
        1
        for path in WORK.glob("worker*.log")
        for line in path.read_text(errors="replace").splitlines()
        if all(text in line for text in texts)
    )
