"""Real processes for the live tests: a Celery worker with beat, and a private redis-server.

Both are started in their own session and stopped by killing that process group, so no
child (beat runs in a child of the worker) outlives the test.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import redis
from django.db import connection
from kombu import Connection

from config.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
LIVE_SETTINGS = "tests.live_settings"
FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"


def wait_until(
    condition: Callable[[], object], *, timeout: float, interval: float = 0.25, what: str = ""
):
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what or condition}")
        time.sleep(interval)


def port_is_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def database_url_of_this_test() -> str:
    """The URL of the database this test runs on (pytest-django's ``test_...`` copy)."""
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def flush_redis_db(url: str) -> None:
    """Drop tasks left in the broker by earlier runs, so the worker sees only this test's."""
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.flushdb()
    finally:
        client.close()


class RedisServer:
    """A private redis-server on a fixed port that a test may stop and start again."""

    def __init__(self, port: int, log_path: Path):
        self.port = port
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        if port_is_open(self.port):
            raise RuntimeError(
                f"port {self.port} is already taken: is a stale redis-server still running?"
            )
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [
                    "redis-server",
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--daemonize",
                    "no",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until(lambda: port_is_open(self.port), timeout=10, what=f"redis-server on {self.port}")

    def stop(self) -> None:
        if self.process is None:
            return
        stop_process_group(self.process)
        self.process = None
        wait_until(
            lambda: not port_is_open(self.port),
            timeout=10,
            what=f"redis-server on {self.port} to stop",
        )


class CeleryWorker:
    """``celery -A config worker -B`` in a subprocess, on this test's database."""

    def __init__(self, tmp_path: Path, *, broker_url: str, env: dict[str, str]):
        self.tmp_path = tmp_path
        self.mail_dir = tmp_path / "mail"
        self.mail_dir.mkdir(exist_ok=True)
        self.log_path = tmp_path / "worker.log"
        self.broker_url = broker_url
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": LIVE_SETTINGS,
            "DATABASE_URL": database_url_of_this_test(),
            "CELERY_BROKER_URL": broker_url,
            "EMAIL_BACKEND": FILE_BACKEND,
            "EMAIL_FILE_PATH": str(self.mail_dir),
            "TIERDESK_VAR_DIR": str(tmp_path / "var"),
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "-B",
                    "--pool=solo",
                    "--loglevel=INFO",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "-n",
                    f"live-{os.getpid()}@%h",
                    "-s",
                    str(self.tmp_path / "beat-schedule"),
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def stop(self) -> None:
        if self.process is not None:
            stop_process_group(self.process)
            self.process = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def assert_alive(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"the worker exited with {self.process.returncode}:\n{self.log()}")

    def emails(self) -> list[str]:
        """Every message the worker sent, one file per connection the file backend opened."""
        return [p.read_text(errors="replace") for p in sorted(self.mail_dir.iterdir())]


def stop_process_group(process: subprocess.Popen) -> None:
    """Ask the whole process group to stop, then kill it if it lingers."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    # Children (beat's process) may outlive the leader by a moment.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


@contextlib.contextmanager
def publishing_to(broker_url: str):
    """Make this process's Celery app publish to ``broker_url`` for the duration of the block.

    ``broker_url`` cannot be overridden in ``app.conf`` here: Celery prefers the
    ``CELERY_BROKER_URL`` environment variable the test run sets. The write URL is consulted
    first when publishing, so that is what changes. The app also caches its connection and
    producer pools on first use: they are dropped (as Celery itself does after a fork) on the
    way in and out.
    """

    def reset_pools() -> None:
        # Dropped, not closed: kombu keeps pools in a global registry keyed by connection,
        # and hands the same (then closed) pool back for the same URL later.
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    previous = celery_app.conf.get("broker_write_url")
    reset_pools()
    celery_app.conf.broker_write_url = broker_url
    try:
        assert celery_app.connection_for_write().as_uri() == Connection(broker_url).as_uri()
        yield
    finally:
        reset_pools()
        celery_app.conf.broker_write_url = previous
