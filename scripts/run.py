#!/usr/bin/env python3
"""Run Tierdesk on one machine: prepare the database, then supervise web + worker + beat.

``make run`` calls this with the project's virtualenv interpreter. It uses the standard
library only, so it works before Django is importable and cannot be broken by it.

1. ``manage.py migrate`` and ``manage.py seed_demo`` (the demo organisation).
2. Start the web server (gunicorn) and a Celery worker with an embedded beat, each in its
   own process group so that a signal reaches every process they fork.
3. Print a banner with the URL and the demo users once ``/healthz/`` answers.
4. On Ctrl-C (SIGINT), SIGTERM or SIGHUP stop both groups (SIGTERM, then SIGKILL after a
   grace period) and exit 0. If either child dies on its own, stop the other and exit 1:
   half a Tierdesk (a web server without its escalation clock) must not run unnoticed.

The same command serves the embedded default (SQLite + filesystem broker under ``var/``)
and PostgreSQL + Redis: whatever DATABASE_URL and CELERY_BROKER_URL say.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANAGE = str(ROOT / "manage.py")
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# Long enough for a worker to finish the task in hand (a sweep batch, one email), short
# enough that Ctrl-C feels like it works.
GRACE_SECONDS = 15
READY_TIMEOUT_SECONDS = 60


def log(message: str) -> None:
    print(f"[run] {message}", file=sys.stderr, flush=True)


class Supervisor:
    def __init__(self, port: int):
        self.port = port
        self.children: dict[str, subprocess.Popen] = {}
        self.stop_signal: int | None = None

    # --- signals ----------------------------------------------------------------------

    def install_signal_handlers(self) -> None:
        for signum in STOP_SIGNALS:
            signal.signal(signum, self._on_signal)

    def _on_signal(self, signum, _frame) -> None:
        # Only set a flag: raising from a handler could interrupt Popen half-way and leave
        # a child we do not know about.
        if self.stop_signal is None:
            log(f"{signal.Signals(signum).name} received: stopping Tierdesk.")
        self.stop_signal = signum

    # --- children ---------------------------------------------------------------------

    def spawn(self, name: str, argv: list[str]) -> subprocess.Popen:
        # A new session makes the child the leader of its own process group: the
        # terminal's Ctrl-C reaches only us, and we decide the order of the shutdown.
        process = subprocess.Popen(argv, cwd=ROOT, start_new_session=True, stdin=subprocess.DEVNULL)
        self.children[name] = process
        log(f"started {name} (pid {process.pid}): {' '.join(argv[1:4])} ...")
        return process

    def run_step(self, name: str, argv: list[str], *, capture: bool = False) -> str | None:
        """Run one preparation step to completion.

        Return its output (empty unless ``capture``), or None when it failed or a stop
        was requested meanwhile (the step is then terminated).
        """
        process = subprocess.Popen(
            argv,
            cwd=ROOT,
            start_new_session=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if capture else None,
            text=True,
        )
        chunks = []
        while True:
            try:
                output, _ = process.communicate(timeout=0.2)
                chunks.append(output or "")
                break
            except subprocess.TimeoutExpired:
                if self.stop_signal is not None:
                    self._kill_group(process, signal.SIGTERM)
                    process.communicate()
                    return None
        output = "".join(chunks)
        if process.returncode != 0:
            sys.stdout.write(output)
            log(f"{name} failed with exit code {process.returncode}.")
            return None
        return output

    @staticmethod
    def _kill_group(process: subprocess.Popen, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signum)

    def stop_all(self) -> None:
        """Stop every child's process group: politely, then for good."""
        for process in self.children.values():
            self._kill_group(process, signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS
        for name, process in self.children.items():
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                log(f"{name} did not stop within {GRACE_SECONDS} s: killing it.")
        # SIGKILL the groups even when the leaders exited: a leader's own children (the
        # embedded beat, gunicorn's workers) may still be alive and must not be orphaned.
        for process in self.children.values():
            self._kill_group(process, signal.SIGKILL)
            process.wait()

    def first_exited(self) -> tuple[str, int] | None:
        for name, process in self.children.items():
            code = process.poll()
            if code is not None:
                return name, code
        return None

    # --- readiness --------------------------------------------------------------------

    def web_is_ready(self) -> bool:
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{self.port}/healthz/", timeout=2
            ) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False


def without_password(url: str | None) -> str | None:
    """Return the URL with its password masked, fit for a log."""
    if not url:
        return url
    parts = urllib.parse.urlsplit(url)
    if not parts.password:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def banner(url: str, seed_output: str) -> str:
    line = "=" * 72
    return "\n".join(
        [
            "",
            line,
            f"  Tierdesk is running at {url}",
            f"  API docs: {url}/api/docs/    health: {url}/healthz/    admin: {url}/admin/",
            "",
            *(f"  {row}" for row in seed_output.rstrip().splitlines()),
            "",
            "  Stop with Ctrl-C.",
            line,
            "",
        ]
    )


def web_command(python: str, port: int, workers: int) -> list[str]:
    # gunicorn rather than runserver: the same server as in production, threads for
    # concurrent requests, and a clean graceful stop on SIGTERM.
    command = [
        python, "-m", "gunicorn", "config.wsgi:application",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--threads", "4",
        "--graceful-timeout", "10",
        "--access-logfile", "-",
    ]  # fmt: skip
    if _gunicorn_major() >= 27:
        # gunicorn 27 opens a control socket in ~/.gunicorn by default: two runs on one
        # machine would fight over it, and nothing here uses it.
        command.append("--no-control-socket")
    return command


def _gunicorn_major() -> int:
    try:
        return int(importlib.metadata.version("gunicorn").split(".")[0])
    except (importlib.metadata.PackageNotFoundError, ValueError):
        return 0


def worker_command(python: str, var_dir: Path) -> list[str]:
    # One worker with the beat embedded is enough for one machine (``--pool solo`` keeps
    # it to one process plus beat's). The hostname carries our pid so that two runs on
    # one machine do not collide in Celery's remote control.
    return [
        python, "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO",
        "--pool", "solo",
        "--beat", "--schedule", str(var_dir / "celerybeat-schedule"),
        "--hostname", f"tierdesk-{os.getpid()}@%h",
    ]  # fmt: skip


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument(
        "--web-workers",
        type=int,
        default=int(os.environ.get("WEB_CONCURRENCY", "2")),
        help="gunicorn worker processes (default: WEB_CONCURRENCY or 2)",
    )
    parser.add_argument("--no-seed", action="store_true", help="do not load the demo organisation")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    python = sys.executable
    var_dir = Path(os.environ.get("TIERDESK_VAR_DIR") or ROOT / "var").resolve()
    # STATIC_ROOT lives here; whitenoise warns at every start when it is missing, even
    # though it serves the apps' files directly without collectstatic.
    (var_dir / "static").mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Nothing here runs collectstatic, so use the storage that needs no manifest; whitenoise
    # serves the apps' files directly (WHITENOISE_USE_FINDERS). The production image
    # collects and keeps the hashed, compressed default.
    os.environ.setdefault(
        "STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage"
    )
    os.environ["TIERDESK_VAR_DIR"] = str(var_dir)
    url = f"http://127.0.0.1:{args.port}"
    # Links in emails should point at this server unless the environment says otherwise.
    os.environ.setdefault("TIERDESK_BASE_URL", url)

    supervisor = Supervisor(args.port)
    supervisor.install_signal_handlers()
    database = without_password(os.environ.get("DATABASE_URL")) or f"SQLite file in {var_dir}"
    broker = without_password(os.environ.get("CELERY_BROKER_URL")) or (
        f"filesystem queue in {var_dir / 'broker'}"
    )
    log(f"database: {database}")
    log(f"broker: {broker}")
    if supervisor.run_step("migrate", [python, MANAGE, "migrate", "--noinput"]) is None:
        return 0 if supervisor.stop_signal else 1
    seed_output = ""
    if not args.no_seed:
        seed_output = supervisor.run_step("seed_demo", [python, MANAGE, "seed_demo"], capture=True)
        if seed_output is None:
            return 0 if supervisor.stop_signal else 1
    if supervisor.stop_signal is not None:
        return 0
    supervisor.spawn("web", web_command(python, args.port, args.web_workers))
    supervisor.spawn("worker", worker_command(python, var_dir))

    ready_by = time.monotonic() + READY_TIMEOUT_SECONDS
    announced = False
    while supervisor.stop_signal is None:
        exited = supervisor.first_exited()
        if exited:
            name, code = exited
            log(f"{name} exited with code {code}: stopping the rest.")
            supervisor.stop_all()
            return 1
        if not announced:
            if supervisor.web_is_ready():
                print(banner(url, seed_output), flush=True)
                announced = True
            elif time.monotonic() > ready_by:
                log(
                    f"{url}/healthz/ did not answer 200 within {READY_TIMEOUT_SECONDS} s: stopping."
                )
                supervisor.stop_all()
                return 1
        time.sleep(0.5)

    supervisor.stop_all()
    log("stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
