#!/usr/bin/env python3
"""``make drill``: real faults against real processes, then the ledger's invariants.

Everything runs on 127.0.0.1 with private resources, so it can share a machine:

- a private PostgreSQL database (``tierdesk_drill``, dropped and created again) on the
  machine's cluster at 127.0.0.1:5432, made unreachable by refusing connections to it
  (``ALLOW_CONNECTIONS false`` plus ``pg_terminate_backend``), never by stopping the cluster;
- a private ``redis-server`` on port 6392, stopped and started by the drill;
- gunicorn, Celery workers and beats started by PID in their own process groups, and a
  local SMTP sink (scripts/drill/smtp_sink.py) that counts every message;
- the load: a bounded Python loop (threads, ``urllib``) logging and claiming tickets
  through the API, counting every status code.

Drills: two beats and four workers over a backlog; ``kill -9`` of a worker mid-sweep;
Redis stopped under load; the database unreachable under load; beat's clock stepped
+1 h, back, and -1 h under libfaketime. After each: the invariant queries of
scripts/drill/ledger_checks.py and ``manage.py verify_ledger``. Then ``pip-audit`` when
the vulnerability database is reachable. A summary (JSON) is written to
``var/drill/result.json``; the exit code is non-zero if any check failed.

Every process is stopped on exit, Ctrl-C or SIGTERM (the trap in ``main``).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import json
import os
import shutil
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
sys.path.insert(0, str(Path(__file__).resolve().parent))
from smtp_sink import SmtpSink  # noqa: E402

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


# --- the drills ---------------------------------------------------------------------------


def drill_two_beats(procs: Processes, report: Report, tickets: int) -> None:
    """Two beats, four workers, a backlog climbing three tiers: each transition exactly once."""
    before = django(procs, "counts")["handoffs"]
    django(procs, "open", "--count", str(tickets), "--due", "--prefix", "A")
    for n in range(1, 5):
        procs.start(f"worker{n}", worker_argv(f"worker{n}"))
    procs.start("beat1", beat_argv("beat1"))
    procs.start("beat2", beat_argv("beat2"))
    # Due now at tier 1; tier 2 and 3 take TIER_SECONDS each; then breached.
    started = time.monotonic()

    def climbed():
        procs.assert_alive("worker1", "worker2", "worker3", "worker4", "beat1", "beat2")
        handoffs = django(procs, "counts")["handoffs"]
        done = handoffs.get("breached", 0) - before.get("breached", 0)
        return done >= tickets

    wait_until(climbed, timeout=3 * TIER_SECONDS + 120, what="the backlog to be breached",
               interval=3)  # fmt: skip
    took = time.monotonic() - started
    counts = settle(procs)
    after = counts["handoffs"]
    escalated = after.get("escalated", 0) - before.get("escalated", 0)
    breached = after.get("breached", 0) - before.get("breached", 0)
    # A single beat moves each of these tickets tier 1 -> 2 -> 3, then breaches it once.
    expected = {"escalated": 2 * tickets, "breached": tickets}
    procs.stop("beat2")
    report.record(
        "two beats and four workers", (escalated, breached) == (expected["escalated"], tickets),
        tickets=tickets, escalated=escalated, breached=breached, single_beat_expects=expected,
        seconds=round(took), sweeps_sent=log_count("beat1", "Sending due task escalate")
        + log_count("beat2", "Sending due task escalate"),
    )  # fmt: skip
    check_invariants(procs, report, "two beats and four workers")


def drill_kill_worker(procs: Processes, report: Report, tickets: int) -> None:
    """``kill -9`` of the only worker mid-sweep: nothing half-done, the next sweep finishes."""
    for n in (1, 2, 3, 4):
        procs.stop(f"worker{n}")
    procs.stop("beat1")
    before = django(procs, "counts")["handoffs"].get("escalated", 0)
    django(procs, "open", "--count", str(tickets), "--due", "--prefix", "B")
    # Small batches, so a sweep takes a while and commits as it goes.
    env = {"ESCALATION_BATCH_SIZE": "50"}
    procs.start("worker1", worker_argv("worker1"), env=env)
    procs.start("beat1", beat_argv("beat1"))

    def sweeping():
        # psql, not Django: it answers in milliseconds, while the sweep is still going.
        moved = int(psql("SELECT count(*) FROM tickets_handoff WHERE kind = 'escalated'",
                         DB_NAME)) - before  # fmt: skip
        return moved if 0 < moved < tickets else None

    moved_at_kill = wait_until(sweeping, timeout=60, what="a sweep to be under way", interval=0.05)
    procs.kill9("worker1")
    time.sleep(1)
    after_kill = django(procs, "counts")["handoffs"].get("escalated", 0) - before
    consistent = check_invariants_now(procs)
    procs.start("worker2", worker_argv("worker2"), env=env)
    counts = settle(procs)
    finished = counts["handoffs"].get("escalated", 0) - before
    report.record(
        "kill -9 of a worker mid-sweep",
        consistent["ok_except_due"] and counts["due_now"] == 0 and finished >= tickets,
        tickets=tickets, escalated_when_killed=moved_at_kill, escalated_after_kill=after_kill,
        consistent_right_after_kill=consistent, escalated_by_next_sweeps=finished - after_kill,
        due_left=counts["due_now"],
    )  # fmt: skip
    check_invariants(procs, report, "kill -9")


def check_invariants_now(procs: Processes) -> dict:
    """Right after a crash the backlog is still due; everything else must already hold."""
    invariants = django(procs, "invariants", "--settle-seconds", "100000")
    problems = {k: v for k, v in invariants["problems"].items()
                if v and k not in ("due_tickets_left_behind", "outbox_not_drained")}  # fmt: skip
    return {"ok_except_due": not problems, "problems": problems}


def drill_redis_outage(procs: Processes, report: Report, sink: SmtpSink, seconds: float,
                       tokens: tuple[str, str]) -> None:  # fmt: skip
    """Redis stopped under load: no 5xx, escalations catch up, every email delivered once."""
    for name in list(procs.children):
        if name.startswith("worker"):
            procs.stop(name)
    procs.start("worker1", worker_argv("worker1"))
    procs.start("worker2", worker_argv("worker2"))
    load = Load(*tokens).start()
    time.sleep(10)
    load.phase = "redis down"
    stop_redis(procs)
    log(f"redis stopped for {seconds:g} s under load")
    time.sleep(seconds)
    start_redis(procs)
    load.phase = "after"
    time.sleep(15)
    load.stop()
    counts = settle(procs, timeout=180)
    summary = load.summary()
    report.record(
        "redis stopped under load",
        summary["5xx_or_no_answer"] == 0 and counts["due_now"] == 0
        and counts["outbox_pending"] == 0,
        down_seconds=seconds, load=summary, tickets_logged=len(load.opened),
        due_left=counts["due_now"], outbox_pending=counts["outbox_pending"],
        emails_received_so_far=sink.count(),
    )  # fmt: skip
    check_invariants(procs, report, "redis outage")


def drill_database_outage(procs: Processes, report: Report, seconds: float,
                          tokens: tuple[str, str]) -> None:  # fmt: skip
    """The app's database refuses connections: 503 from /healthz/, success afterwards."""
    before = django(procs, "counts")
    load = Load(*tokens).start()
    time.sleep(5)
    load.phase = "database down"
    database_reachable(False)
    log(f"database {DB_NAME} refuses connections for {seconds:g} s")
    health = Counter()
    api_codes = Counter()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        health[http("GET", "/healthz/", timeout=10)[0]] += 1
        api_codes[http("GET", "/api/v1/tickets/", token=tokens[0], timeout=10)[0]] += 1
        time.sleep(0.5)
    database_reachable(True)
    # Requests already in flight when connections came back still count as "down".
    time.sleep(2)
    load.phase = "after"
    recovered = wait_until(lambda: http("GET", "/healthz/")[0] == 200, timeout=60,
                           what="/healthz/ to answer 200 again")  # fmt: skip
    time.sleep(10)
    load.stop()
    counts = settle(procs, timeout=120)
    summary = load.summary()
    after_errors = sum(n for k, n in summary["by_phase"].get("after", {}).items()
                       if k.split()[-1].startswith("5") or k.endswith(" 0"))  # fmt: skip
    report.record(
        "database unreachable under load",
        set(health) == {503} and bool(recovered) and after_errors == 0 and counts["due_now"] == 0,
        down_seconds=seconds, healthz_while_down=dict(health), api_while_down=dict(api_codes),
        load=summary, handoffs_before=before["handoffs"], handoffs_after=counts["handoffs"],
        outbox_pending=counts["outbox_pending"],
    )  # fmt: skip
    check_invariants(procs, report, "database outage")


def set_fake_offset(path: Path, offset: str) -> None:
    path.write_text(offset + "\n")


def drill_clock_steps(procs: Processes, report: Report, phase_seconds: float) -> None:
    """Beat's clock: +1 h, back to true time, then -1 h behind the workers. Nothing stops."""
    if not Path(LIBFAKETIME).exists():
        report.record("beat clock steps", True, skipped="libfaketime not installed "
                      "(apt-get install faketime); covered by tests/escalation/test_beat.py")
        return
    procs.stop("beat1")
    procs.stop("beat2")
    offset_file = WORK / "beat-clock-offset"
    set_fake_offset(offset_file, "+0")
    fake = {
        "LD_PRELOAD": LIBFAKETIME,
        "FAKETIME_TIMESTAMP_FILE": str(offset_file),
        "FAKETIME_NO_CACHE": "1",
        # Fake the monotonic clock too: with it left alone, libfaketime's clock_nanosleep
        # (Python's time.sleep) fails with EINVAL.
        "FAKETIME_DONT_FAKE_MONOTONIC": "0",
    }
    procs.start("beat-faked", beat_argv("beat-faked"), env=fake)
    phases = []
    for offset in ("+0", "+1h", "+0", "-1h"):
        set_fake_offset(offset_file, offset)
        marker = worker_logs_count("escalation.escalate_overdue", "succeeded")
        discarded_before = worker_logs_count("Discarding revoked task")
        expired_before = worker_logs_count("expired")
        before = django(procs, "counts")["handoffs"].get("escalated", 0)
        django(procs, "open", "--count", "20", "--prefix", f"E{offset}")
        time.sleep(phase_seconds)
        procs.assert_alive("beat-faked")
        counts = django(procs, "counts")
        phases.append({
            "beat_offset": offset,
            "sweeps_completed": worker_logs_count("escalation.escalate_overdue", "succeeded") - marker,
            "discarded": worker_logs_count("Discarding revoked task") - discarded_before,
            "expired": worker_logs_count("expired") - expired_before,
            "escalated_in_phase": counts["handoffs"].get("escalated", 0) - before,
            "due_now": counts["due_now"],
        })  # fmt: skip
        log(f"clock phase {offset}: {phases[-1]}")
    set_fake_offset(offset_file, "+0")
    resets = log_count("beat-faked", "the clock stepped back")
    # Each phase opened 20 tickets due TIER_SECONDS later: none may still be due at its end.
    ok = all(p["discarded"] == 0 and p["expired"] == 0 and p["due_now"] == 0
             and p["sweeps_completed"] > 0 for p in phases)  # fmt: skip
    report.record("beat clock steps", ok, phases=phases, scheduler_resets_logged=resets,
                  clock="libfaketime (FAKETIME_TIMESTAMP_FILE) on the beat process only")  # fmt: skip
    procs.stop("beat-faked")
    procs.start("beat1", beat_argv("beat1"))
    settle(procs)
    check_invariants(procs, report, "clock steps")


def check_exactly_once_delivery(procs: Processes, report: Report, sink: SmtpSink) -> None:
    counts = settle(procs, timeout=120)
    time.sleep(SWEEP_SECONDS * 3)
    # Long subjects arrive folded over several header lines: compare them unfolded.
    sent = Counter((tuple(r), " ".join(s.split())) for r, s in django(procs, "sent"))
    received = Counter((tuple(r), " ".join(s.split())) for r, s in sink.messages)
    doubled = {f"{k}": n for k, n in received.items() if n > sent.get(k, 0)}
    missing = {f"{k}": n for k, n in sent.items() if received.get(k, 0) < n}
    report.record(
        "every email delivered exactly once",
        not doubled and not missing and counts["outbox_pending"] == 0,
        outbox_sent=sum(sent.values()), smtp_received=sum(received.values()),
        doubled=dict(list(doubled.items())[:5]), missing=dict(list(missing.items())[:5]),
        outbox_pending=counts["outbox_pending"],
    )  # fmt: skip


def pip_audit(report: Report) -> None:
    tool = ROOT / "var" / "drill-tools" / "bin" / "pip-audit"
    if not tool.exists():
        report.record("pip-audit", True, skipped=f"{tool} missing (make drill installs it)")
        return
    try:
        urllib.request.urlopen("https://pypi.org/pypi/pip/json", timeout=5).close()
    except (urllib.error.URLError, OSError) as exc:
        report.record("pip-audit", True, skipped=f"vulnerability database unreachable: {exc}")
        return
    site_packages = (Path(PY).resolve().parent.parent / "lib"
                     / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages")  # fmt: skip
    result = subprocess.run(
        [str(tool), "--progress-spinner", "off", "--format", "json", "--skip-editable",
         "--path", str(site_packages)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    try:
        dependencies = json.loads(result.stdout)["dependencies"]
    except (ValueError, KeyError):
        report.record("pip-audit", True, skipped="vulnerability database unreachable: "
                      + (result.stderr.strip() or result.stdout.strip())[-300:])  # fmt: skip
        return
    audited = [d for d in dependencies if "vulns" in d]
    if not audited:
        # Every lookup failed (no route to the advisory service, or a mirror without it):
        # that is "could not check", never "no vulnerabilities".
        report.record("pip-audit", True, skipped=(
            f"vulnerability database unreachable: none of {len(dependencies)} packages could "
            "be looked up"))  # fmt: skip
        return
    vulnerable = {f"{d['name']} {d['version']}": [v["id"] for v in d["vulns"]]
                  for d in audited if d["vulns"]}  # fmt: skip
    report.record("pip-audit", not vulnerable, audited=len(audited),
                  not_looked_up=len(dependencies) - len(audited), vulnerable=vulnerable)  # fmt: skip


# --- main ---------------------------------------------------------------------------------


def drill_environment() -> dict[str, str]:
    var = WORK / "var"
    var.mkdir(parents=True, exist_ok=True)
    (var / "static").mkdir(exist_ok=True)
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "DATABASE_"))},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{DB_NAME}",
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
        "EMAIL_URL": f"smtp://127.0.0.1:{SMTP_PORT}",
        "EMAIL_TIMEOUT": "10",
        "SECRET_KEY": "drill-only-" + "x" * 50,
        "DEBUG": "0",
        "CONN_MAX_AGE": "0",
        "TIERDESK_VAR_DIR": str(var),
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "ESCALATION_SWEEP_SECONDS": str(SWEEP_SECONDS),
        "OUTBOX_DRAIN_SECONDS": str(SWEEP_SECONDS),
        "OUTBOX_RETRY_AFTER_SECONDS": "5",
        "TIERDESK_HEALTH_TOKEN": HEALTH_TOKEN,
        # The load signs in a few times; the lockout is not what this drill tests.
        "TIERDESK_TOKEN_RATE": "1000/min",
        "PYTHONUNBUFFERED": "1",
        "LOG_LEVEL": "INFO",
    }


def run(args: argparse.Namespace, procs: Processes, report: Report) -> None:
    if not shutil.which("redis-server"):
        raise DrillFailure("redis-server is missing: apt-get install -y redis-server")
    sink = SmtpSink(SMTP_PORT).start()
    try:
        log(f"private database {DB_NAME}, redis on {REDIS_PORT}, web on {WEB_PORT}, "
            f"SMTP sink on {SMTP_PORT}")  # fmt: skip
        recreate_database()
        for step in (["migrate", "--noinput", "--skip-checks"], ["seed_demo", "--no-history"]):
            result = manage(procs, *step)
            if result.returncode != 0:
                raise DrillFailure(f"manage.py {' '.join(step)} failed:\n{result.stderr[-3000:]}")
        django(procs, "prepare", "--tier-seconds", str(TIER_SECONDS))
        start_redis(procs)
        procs.start("web", gunicorn_argv())
        wait_until(lambda: http("GET", "/healthz/")[0] in (200, 503), timeout=60,
                   what="gunicorn to answer")  # fmt: skip
        tokens = (api_token("ana"), api_token("marko"))

        drill_two_beats(procs, report, args.tickets)
        drill_kill_worker(procs, report, args.kill_tickets)
        drill_redis_outage(procs, report, sink, args.redis_down, tokens)
        drill_database_outage(procs, report, args.db_down, tokens)
        drill_clock_steps(procs, report, args.clock_phase)
        check_exactly_once_delivery(procs, report, sink)
        status, body = http("GET", "/healthz/")
        report.record("healthz at the end", status == 200, status=status, body=body.decode()[:200])
    finally:
        procs.stop_all()
        sink.stop()
    if not args.no_audit:
        pip_audit(report)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=300, help="backlog of the two-beat drill")
    parser.add_argument("--kill-tickets", type=int, default=1000, help="backlog of the kill drill")
    parser.add_argument("--redis-down", type=float, default=30, help="seconds Redis is down")
    parser.add_argument("--db-down", type=float, default=20, help="seconds the database refuses")
    parser.add_argument("--clock-phase", type=float, default=25, help="seconds per clock phase")
    parser.add_argument("--no-audit", action="store_true", help="skip pip-audit")
    args = parser.parse_args()

    if WORK.exists():
        shutil.rmtree(WORK)
    WORK.mkdir(parents=True)
    procs = Processes(drill_environment())
    report = Report()

    # The trap: whatever happens (Ctrl-C, SIGTERM, a failed step), every child is stopped.
    def on_signal(signum, _frame):
        raise KeyboardInterrupt(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    started = time.monotonic()
    try:
        run(args, procs, report)
    except (DrillFailure, KeyboardInterrupt) as exc:
        report.record("drill run", False, error=str(exc)[-3000:])
    finally:
        procs.stop_all()
        with contextlib.suppress(DrillFailure):
            database_reachable(True)
    took = round(time.monotonic() - started)
    (WORK / "result.json").write_text(json.dumps(
        {"seconds": took, "failed": report.failed, "results": report.results}, indent=2,
        default=str))  # fmt: skip
    log(f"done in {took} s; {len(report.failed)} failed: {report.failed}; details in "
        f"{WORK / 'result.json'}")  # fmt: skip
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
