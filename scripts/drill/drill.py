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

This file is the entry point; the machinery (processes, database, Redis, load, report) is in
scripts/drill/harness.py and the drills in scripts/drill/drills.py.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import sys
import time
from pathlib import Path

# The drill's modules sit next to this file (run as a script, or imported by path).
sys.path.insert(0, str(Path(__file__).resolve().parent))
from drills import (
    check_exactly_once_delivery,
    drill_clock_steps,
    drill_database_outage,
    drill_kill_worker,
    drill_redis_outage,
    drill_two_beats,
    pip_audit,
)
from harness import (
    DB_NAME,
    HEALTH_TOKEN,
    PG,
    REDIS_PORT,
    SMTP_PORT,
    SWEEP_SECONDS,
    TIER_SECONDS,
    WEB_PORT,
    WORK,
    DrillFailure,
    Processes,
    Report,
    api_token,
    database_reachable,
    django,
    gunicorn_argv,
    http,
    log,
    manage,
    recreate_database,
    start_redis,
    wait_until,
)
from smtp_sink import SmtpSink

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
