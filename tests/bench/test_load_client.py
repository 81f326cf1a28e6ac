"""The throughput benchmark's load client, against a tiny threaded HTTP server on 127.0.0.1.

What is asserted is what the client counts (requests, errors, conflicts, connections), never
how fast anything was: the machine may be busy.
"""

import asyncio
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from bench.load_client import Figures, Recorder, Sample, Session, rank, run

TOKEN = "0123456789abcdef0123456789abcdef"


def _in_own_loop(coroutine):
    """asyncio.run in a thread of its own: the browser tests' Playwright keeps an event loop
    running in the main thread, where asyncio.run refuses to start another."""
    result = {}

    def target():
        try:
            result["value"] = asyncio.run(coroutine)
        except BaseException as exc:  # re-raised in the test's thread
            result["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result["value"]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as long as every answer has a length

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        with self.server.lock:
            self.server.connections += 1

    def do_GET(self):
        if self.path == "/login":
            self._answer(200, b"form", [("Set-Cookie", f"csrftoken={TOKEN}; Path=/")])
        elif self.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
        elif self.path == "/close":
            self._answer(200, b"bye", [("Connection", "close")])
            self.close_connection = True
        elif self.path == "/slow":
            time.sleep(1.0)
            self._answer(200, b"late")
        else:
            status = {"/ok": 200, "/boom": 500, "/taken": 409, "/missing": 404}[self.path]
            self._answer(status, b"x" * 100)

    def do_POST(self):
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        signed = f"csrftoken={TOKEN}" in (self.headers.get("Cookie") or "")
        ok = signed and form.get("csrfmiddlewaretoken") == [TOKEN] and form.get("n") == ["1"]
        self._answer(302 if ok else 403, b"", [("Location", "/ok")] if ok else [])

    def _answer(self, status, body, headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.connections, httpd.lock = 0, threading.Lock()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


class Visitor:
    """Signs in for a CSRF cookie, then each step asks for every kind of answer once."""

    def __init__(self, port, recorder):
        self.session = Session("127.0.0.1", port, recorder)

    async def start(self):
        await self.session.get("/login", kind="setup", label="login")

    async def step(self):
        s = self.session
        await s.get("/ok", kind="read", label="ok")
        await s.get("/chunked", kind="read", label="chunked")
        await s.get("/boom", kind="read", label="boom")
        await s.get("/missing", kind="read", label="missing")
        await s.get("/taken", kind="move", label="claim", conflicts=(409,))
        await s.post("/form", {"n": "1"}, kind="log", label="form")
        await s.get("/close", kind="read", label="close")


def test_a_two_second_run_counts_every_answer_by_what_it_was(server):
    recorder = Recorder()
    users = [Visitor(server.server_address[1], recorder) for _ in range(3)]
    summary = _in_own_loop(run(users, recorder, seconds=2.0, warmup=0.2))

    pages, total = summary.pages, summary.total
    assert total.requests == len(recorder.samples) == sum(p.requests for p in pages.values())
    assert summary.requests_per_second == total.requests / 2.0
    assert pages["read ok"].requests > 3  # each user got through more than one step
    # A user stops between steps, never inside one... except at the window's edges, where
    # a step is cut by one request at most per user.
    counts = [p.requests for p in pages.values()]
    assert max(counts) - min(counts) <= 2 * len(users)
    assert "setup login" not in pages  # signing in happens before the window opens
    assert total.errors == {"HTTP 500": pages["read boom"].requests,
                            "HTTP 404 (missing)": pages["read missing"].requests}
    assert summary.error_count == pages["read boom"].requests + pages["read missing"].requests
    assert total.conflicts == {"claim HTTP 409": pages["move claim"].requests}
    assert summary.kinds["log"].errors == {}  # the CSRF cookie went back with the form
    assert summary.kinds["log"].requests == pages["log form"].requests
    assert {s.status for s in recorder.samples if s.label == "chunked"} == {200}


def test_connections_are_kept_alive_until_the_server_closes_them(server):
    recorder = Recorder()
    users = [Visitor(server.server_address[1], recorder) for _ in range(2)]
    summary = _in_own_loop(run(users, recorder, seconds=1.0))
    steps = max(s.requests for s in summary.pages.values())
    assert summary.connections == server.connections
    # One connection per step (reopened after /close) and the first: not one per request.
    assert summary.connections <= steps + 2 * len(users) < summary.total.requests


def test_percentiles_are_nearest_rank():
    values = list(range(1, 101))
    assert (rank(values, 0.50), rank(values, 0.95), rank(values, 0.99)) == (50, 95, 99)
    assert rank([7.0], 0.99) == 7.0
    samples = [Sample("read", "home", 200, ms / 1000, "ok") for ms in values]
    samples.append(Sample("move", "claim", 409, 0.001, "conflict", "claim HTTP 409"))
    figures = Figures.of(samples)
    assert figures.requests == 101
    assert round(figures.p50_ms) == 50 and round(figures.p99_ms) == 99
    assert figures.conflicts == {"claim HTTP 409": 1} and figures.errors == {}


def test_a_request_past_its_timeout_is_an_error_and_the_next_one_gets_a_new_connection(server):
    async def scenario():
        recorder = Recorder()
        recorder.open_window(time.monotonic(), 60)
        session = Session("127.0.0.1", server.server_address[1], recorder, timeout=0.2)
        assert await session.get("/slow", kind="read", label="slow") is None
        answer = await session.get("/ok", kind="read", label="ok")
        await session.close()
        return recorder.samples, answer, session.connection.opened

    samples, answer, opened = _in_own_loop(scenario())
    assert [(s.outcome, s.detail) for s in samples] == [("error", "timeout"), ("ok", "")]
    assert answer.status == 200 and opened == 2


def test_a_refused_connection_is_an_error_of_its_own_kind():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once it is closed

    async def scenario():
        recorder = Recorder()
        recorder.open_window(time.monotonic(), 60)
        await Session("127.0.0.1", port, recorder).get("/", kind="read", label="home")
        return recorder.samples

    (sample,) = _in_own_loop(scenario())
    assert (sample.outcome, sample.status, sample.detail) == (
        "error", None, "connection: ConnectionRefusedError")
