"""A bounded asyncio HTTP/1.1 load client: virtual users, each with its own session, for a set time.

Closed loop with no think time: each virtual user sends its next request when the last one
has answered, so at most one request per user is in flight and the figures measure what the
server can do, not what the client offered. Each user keeps its connection open
(``asyncio.open_connection``) until the server closes it, as gunicorn's sync workers do
after every response. Standard library only.

A request is an error when it times out (10 s by default), its connection fails, or it
answers 5xx or a 4xx the caller did not name as a conflict (a ticket someone else claimed
first). Redirects are successes and are not followed. Only requests *started* inside the
measured window count; one started just before its end is waited for.

``Agent`` is Tierdesk's virtual call-centre agent (``bench.throughput``); the rest is generic.
"""

import asyncio
import contextlib
import json
import math
import random
import re
import time
from collections import Counter, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

DEFAULT_TIMEOUT = 10.0
MAX_HEADER_LINES = 200


class ProtocolError(Exception):
    """The server's answer is not HTTP/1.1 as this client reads it."""


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next(reversed(self.all(name)), None)

    def all(self, name: str) -> list[str]:
        name = name.lower()
        return [value for key, value in self.headers if key == name]

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Connection:
    """One keep-alive connection to ``host:port``, reopened whenever the server closed it."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.opened = 0

    async def request(self, method: str, target: str, headers: dict, body: bytes = b"") -> Response:
        reused = self.writer is not None
        try:
            return await self._exchange(method, target, headers, body)
        except (ConnectionError, asyncio.IncompleteReadError) as exc:
            await self.close()
            # A kept-alive connection the server dropped while idle fails before any answer:
            # the request never reached a view, so sending it again on a new one is safe.
            if reused and not getattr(exc, "answered", False):
                return await self._exchange(method, target, headers, body)
            raise

    async def _exchange(self, method, target, headers, body) -> Response:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            self.opened += 1
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self.host}:{self.port}",
                 f"Content-Length: {len(body)}", *(f"{k}: {v}" for k, v in headers.items())]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionResetError("the server closed the connection without answering")
        try:
            response = await self._read_rest(status_line, method)
        except (ConnectionError, asyncio.IncompleteReadError) as exc:
            exc.answered = True
            raise
        if (response.header("connection") or "").lower() == "close":
            await self.close()
        return response

    async def _read_rest(self, status_line: bytes, method: str) -> Response:
        parts = status_line.decode("latin-1").split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
            raise ProtocolError(f"not an HTTP status line: {status_line[:80]!r}")
        status = int(parts[1])
        headers = []
        for _ in range(MAX_HEADER_LINES):
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            key, _sep, value = line.decode("latin-1").partition(":")
            headers.append((key.strip().lower(), value.strip()))
        else:
            raise ProtocolError("too many header lines")
        response = Response(status, headers, b"")
        if method == "HEAD" or status in (204, 304) or status < 200:
            return response
        if "chunked" in (response.header("transfer-encoding") or "").lower():
            response.body = await self._read_chunks()
        elif response.header("content-length") is not None:
            response.body = await self.reader.readexactly(int(response.header("content-length")))
        else:
            response.body = await self.reader.read()
            await self.close()
        return response

    async def _read_chunks(self) -> bytes:
        chunks = []
        while True:
            size = int((await self.reader.readline()).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while (await self.reader.readline()) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)
            chunks.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)

    async def close(self) -> None:
        writer, self.reader, self.writer = self.writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()


# --- recording -----------------------------------------------------------------------------


@dataclass
class Sample:
    kind: str  # what the request was for: "read", "log", "move", ...
    label: str  # the page, e.g. "home", "claim"
    status: int | None  # None: no answer (timeout, connection error)
    seconds: float
    outcome: str  # "ok", "conflict" or "error"
    detail: str = ""  # for errors and conflicts: what happened


class Recorder:
    """Keeps the samples of requests started inside the measured window (``open_window``)."""

    def __init__(self):
        self.samples: list[Sample] = []
        self.start = self.end = math.inf

    def open_window(self, start: float, seconds: float) -> None:
        self.start, self.end = start, start + seconds

    def add(self, started: float, sample: Sample) -> None:
        if self.start <= started < self.end:
            self.samples.append(sample)


def rank(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (the value at or below which ``fraction`` of them lie)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(1, math.ceil(round(fraction * len(ordered), 9))) - 1]


@dataclass
class Figures:
    requests: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: dict[str, int] = field(default_factory=dict)
    conflicts: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, samples: Iterable[Sample]) -> "Figures":
        samples = list(samples)
        ms = [s.seconds * 1000 for s in samples]

        def details(outcome: str) -> dict[str, int]:
            return dict(Counter(s.detail for s in samples if s.outcome == outcome))

        return cls(len(samples), rank(ms, 0.50), rank(ms, 0.95), rank(ms, 0.99),
                   details("error"), details("conflict"))


@dataclass
class Summary:
    seconds: float
    total: Figures
    kinds: dict[str, Figures]
    pages: dict[str, Figures]  # by "kind label", e.g. "read home"
    connections: int = 0

    @property
    def requests_per_second(self) -> float:
        return self.total.requests / self.seconds if self.seconds else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.total.errors.values())


def summarise(samples: Sequence[Sample], seconds: float, connections: int = 0) -> Summary:
    def split(key) -> dict[str, Figures]:
        return {k: Figures.of(s for s in samples if key(s) == k) for k in sorted(set(map(key, samples)))}

    return Summary(seconds, Figures.of(samples), split(lambda s: s.kind),
                   split(lambda s: f"{s.kind} {s.label}"), connections)


# --- sessions and the run ------------------------------------------------------------------


class Session:
    """One virtual user's browser: a connection and its cookies (the CSRF token among them)."""

    def __init__(self, host: str, port: int, recorder: Recorder, *, timeout=DEFAULT_TIMEOUT):
        self.connection = Connection(host, port)
        self.recorder, self.timeout = recorder, timeout
        self.cookies: dict[str, str] = {}
        # Once signed in, a redirect to the sign-in page is an error: a lost session would
        # otherwise pass for a quick success.
        self.login_path: str | None = None

    async def get(self, path: str, *, kind: str, label: str, conflicts=()) -> Response | None:
        return await self.request("GET", path, kind=kind, label=label, conflicts=conflicts)

    async def post(self, path: str, fields: dict, *, kind: str, label: str, conflicts=()):
        """POST a form with the session's CSRF token, as the page's own form would."""
        body = urlencode({"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **fields}).encode()
        return await self.request("POST", path, body=body, kind=kind, label=label,
                                  conflicts=conflicts,
                                  headers={"Content-Type": "application/x-www-form-urlencoded"})

    async def request(self, method, path, *, kind, label, body=b"", headers=None, conflicts=()):
        """Send one request and record it; None when no answer came (recorded as an error)."""
        headers = {"Accept-Language": "en", **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.monotonic()
        try:
            response = await asyncio.wait_for(
                self.connection.request(method, path, headers, body), self.timeout
            )
        except TimeoutError:
            await self.connection.close()  # its answer may still arrive: never reuse it
            self._record(started, kind, label, None, "error", "timeout")
            return None
        except (OSError, asyncio.IncompleteReadError, ProtocolError) as exc:
            await self.connection.close()
            self._record(started, kind, label, None, "error", f"connection: {type(exc).__name__}")
            return None
        self._remember_cookies(response)
        status = response.status
        location = response.header("location") or ""
        if status == 403 and b"CSRF verification failed" in response.body:
            self._record(started, kind, label, status, "error", f"HTTP 403 CSRF ({label})")
        elif self.login_path and status in (301, 302) and location.startswith(self.login_path):
            self._record(started, kind, label, status, "error", f"signed out ({label})")
        elif status in conflicts:
            self._record(started, kind, label, status, "conflict", f"{label} HTTP {status}")
        elif status >= 400:
            detail = f"HTTP {status}" if status >= 500 else f"HTTP {status} ({label})"
            self._record(started, kind, label, status, "error", detail)
        else:
            self._record(started, kind, label, status, "ok")
        return response

    def _record(self, started, kind, label, status, outcome, detail=""):
        sample = Sample(kind, label, status, time.monotonic() - started, outcome, detail)
        self.recorder.add(started, sample)

    def _remember_cookies(self, response: Response) -> None:
        for header in response.all("set-cookie"):
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    async def close(self) -> None:
        await self.connection.close()


async def run(users: Sequence, recorder: Recorder, *, seconds: float, warmup: float = 0.0,
              progress=None) -> Summary:
    """Start every user, let them work ``warmup`` then ``seconds`` more; the measured part.

    A user has a ``session`` and two coroutines: ``start()`` (signing in, unmeasured) and
    ``step()`` (one thing the user does: a request or a few).
    """
    try:
        await asyncio.gather(*(user.start() for user in users))
        recorder.open_window(time.monotonic() + warmup, seconds)
        loops = [asyncio.create_task(_work(user, recorder.end, recorder)) for user in users]
        if progress is not None:
            loops.append(asyncio.create_task(_report(recorder, progress)))
        await asyncio.gather(*loops)
    finally:
        await asyncio.gather(*(user.session.close() for user in users))
    return summarise(recorder.samples, seconds, sum(u.session.connection.opened for u in users))


async def _work(user, until: float, recorder: Recorder) -> None:
    while time.monotonic() < until:
        started = time.monotonic()
        try:
            await user.step()
        except Exception as exc:  # a page the user could not make sense of: count it, go on
            recorder.add(started, Sample("client", "step", None, time.monotonic() - started,
                                         "error", f"client: {type(exc).__name__}: {exc}"[:120]))
            await asyncio.sleep(0.05)


async def _report(recorder: Recorder, progress, every: float = 10.0) -> None:
    tick = recorder.start
    while tick < recorder.end:
        tick = min(tick + every, recorder.end)
        await asyncio.sleep(max(0.0, tick - time.monotonic()))
        errors = sum(s.outcome == "error" for s in recorder.samples)
        progress(f"{tick - recorder.start:5.0f} s: {len(recorder.samples)} requests, {errors} errors")


# --- Tierdesk's call-centre agent ------------------------------------------------------------

REF = r"[A-Z]+-\d+"
CLAIM_FORM = re.compile(rf'action="/tickets/({REF})/claim/"')
TICKET_LINK = re.compile(rf'href="/tickets/({REF})/"')
QUEUE_HEADING = re.compile(r'id="queue-h-(\d+)"')
CATEGORY_SELECT = re.compile(r'<select name="category".*?</select>', re.S)
OPTION_ID = re.compile(r'<option value="(\d+)"')
SUBJECTS = ["Parcel not delivered", "Invoice higher than usual", "Internet drops every evening",
            "Router replacement", "Cannot log in to the account", "Charged twice for one order"]
SEARCHES = ["parcel", "router", "invoice", "contract", "Popescu"]
MOVE_CONFLICTS = (403, 404, 409)  # claimed, escalated or transferred by someone else first
# (weight, read) per role; what each read is is in Agent.read.
READS = {
    "manager": [(15, "home"), (35, "all open"), (30, "ticket"), (20, "api")],
    "agent": [(30, "home"), (30, "ticket"), (20, "queue"), (20, "api")],
}


class SignInFailed(Exception):
    pass


@dataclass(frozen=True)
class Person:
    username: str
    password: str
    role: str  # "front line", "tier 2" or "manager"
    may_resolve_on_call: bool = False
    may_pass_up: bool = False


class Agent:
    """A person at the desk: 70 % reads, 20 % logged calls, 10 % moves (claim, then resolve or
    pass up the ticket claimed). Learns ticket references, queues and customers from the pages
    it reads, as a person would."""

    def __init__(self, session: Session, person: Person, rng: random.Random):
        self.session, self.person, self.rng = session, person, rng
        self.reads = READS["manager" if person.role == "manager" else "agent"]
        self.claimable: list[str] = []
        self.seen: deque[str] = deque(maxlen=200)
        self.customers: deque[int] = deque(maxlen=100)
        self.categories: list[str] = []
        self.held: str | None = None
        self.queue_path = "/"

    async def start(self) -> None:
        s = self.session
        await s.get("/accounts/login/", kind="login", label="login page")
        answer = await s.post("/accounts/login/", {"username": self.person.username,
                                                   "password": self.person.password, "next": ""},
                              kind="login", label="sign in")
        if answer is None or answer.status != 302:
            raise SignInFailed(f"{self.person.username} could not sign in: "
                               f"{answer.status if answer else 'no answer'}")
        s.login_path = "/accounts/login/"
        home = await self.read("home")
        form = await s.get("/call/", kind="read", label="log-call form")
        select = CATEGORY_SELECT.search(form.text if form else "")
        self.categories = OPTION_ID.findall(select.group(0)) if select else []
        tiers = QUEUE_HEADING.findall(home.text if home else "")
        if tiers:
            # The full queue page is newer than the home page's panel: without it, the
            # queue is read where the person sees it, on the home page.
            path = f"/tickets/queue/{tiers[0]}/"
            probe = await s.get(path, kind="read", label="queue", conflicts=(404,))
            self.queue_path = path if probe is not None and probe.status == 200 else "/"
        await self.read("api")

    async def step(self) -> None:
        roll = self.rng.random()
        if roll < 0.70:
            await self.read(self._pick(self.reads))
        elif roll < 0.90:
            await self.log_call()
        else:
            await self.move()

    def _pick(self, weighted):
        return self.rng.choices([v for _w, v in weighted], weights=[w for w, _v in weighted])[0]

    async def read(self, page: str, query: str | None = None) -> Response | None:
        s = self.session
        if page == "ticket" and (self.seen or self.held):
            mine = self.held and (not self.seen or self.rng.random() < 0.3)
            ref = self.held if mine else self.rng.choice(self.seen)
            return await s.get(f"/tickets/{ref}/", kind="read", label="ticket")
        if page == "api":
            answer = await s.get("/api/v1/tickets/?status=open", kind="read", label="api list")
            if answer is not None and answer.status == 200:
                for ticket in json.loads(answer.body).get("results", []):
                    self.seen.append(ticket["reference"])
                    self.customers.append(ticket["customer"]["id"])
            return answer
        if page == "all open":
            if query is None:
                query = self._pick([(60, ""), (20, "?owner=none"),
                                    (20, "?" + urlencode({"q": self.rng.choice(SEARCHES)}))])
            answer = await s.get(f"/tickets/{query}", kind="read", label="all open")
            if answer is not None and answer.status == 200:
                refs = TICKET_LINK.findall(answer.text)
                self.seen.extend(refs)
                if query == "?owner=none":
                    self.claimable = refs
            return answer
        path, label = (self.queue_path, "queue") if page == "queue" else ("/", "home")
        answer = await s.get(path, kind="read", label=label)
        if answer is not None and answer.status == 200:
            self.seen.extend(TICKET_LINK.findall(answer.text))
            if self.person.role != "manager":
                self.claimable = CLAIM_FORM.findall(answer.text)
        return answer

    async def log_call(self) -> None:
        rng = self.rng
        fields = {"subject": rng.choice(SUBJECTS), "description": "Called about it twice already.",
                  "priority": self._pick([(70, "normal"), (20, "high"), (10, "low")]),
                  "channel": self._pick([(80, "phone"), (20, "chat")]),
                  "category": rng.choice(self.categories) if self.categories else ""}
        if self.customers and rng.random() < 0.5:
            fields["customer"] = str(rng.choice(self.customers))
        else:
            n = rng.randrange(10**6)
            fields |= {"name": f"Caller {n}", "phone": f"+40 721 {n:06d}"}
        if self.person.may_resolve_on_call and rng.random() < 0.2:
            fields |= {"resolved_on_call": "on", "resolution": "Explained the bill on the call."}
        answer = await self.session.post("/call/", fields, kind="log", label="log call")
        if answer is not None and answer.status == 302:
            self.seen.extend(re.findall(rf"/tickets/({REF})/", answer.header("location") or ""))

    async def move(self) -> None:
        s = self.session
        if self.held is not None:
            ref, self.held = self.held, None
            if self.person.may_pass_up and self.rng.random() < 0.4:
                await s.post(f"/tickets/{ref}/pass/", {"note": "Checked the line; needs tier 2."},
                             kind="move", label="pass", conflicts=MOVE_CONFLICTS)
            else:
                await s.post(f"/tickets/{ref}/resolve/", {"resolution": "Fixed while on the line."},
                             kind="move", label="resolve", conflicts=MOVE_CONFLICTS)
            return
        if not self.claimable:
            # Nothing known to claim: look at the queue first, as the person would.
            if self.person.role == "manager":
                await self.read("all open", "?owner=none")
            else:
                await self.read("queue")
            if not self.claimable:
                return
        ref = self.rng.choice(self.claimable[:5])
        self.claimable.remove(ref)
        answer = await s.post(f"/tickets/{ref}/claim/", {}, kind="move", label="claim",
                              conflicts=MOVE_CONFLICTS)
        if answer is not None and answer.status == 302:
            self.held = ref
