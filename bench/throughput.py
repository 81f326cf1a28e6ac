"""Throughput of a real deployment under a call centre's load: today's commit against this tree.

    .venv/bin/python -m bench.throughput --database-url postgres://postgres@127.0.0.1:5432/tierdesk_bench_reports
    .venv/bin/python -m bench.throughput --database-url URL --seconds 30 --skip-baseline --json

The database at URL is only read: it is copied twice (``CREATE DATABASE ... TEMPLATE``),
once migrated to this tree's schema and once to the baseline commit's (migrated fully, then
every app with migrations the baseline lacks rolled back to its last one). The baseline is
a detached ``git worktree`` under /tmp, served with this tree's virtualenv (the dependencies
must not have changed). Then, one after the other on the same machine: gunicorn (2 sync
workers) and a Celery worker with beat embedded (the sweep every 60 s) on a Redis database
of their own, and ``bench.load_client``'s agents (8 by default: front-line agents, tier-2
agents, a manager) signed in, warmed up for 10 s, then measured for ``--seconds``.

Checked against issue 13's targets: no errors, p99 under 500 ms, and at least 3 times the
baseline's requests per second in the same run. Exits 1 when one is missed, 2 when the
benchmark itself could not run. The copies are dropped at the end (``--keep`` keeps them),
and the servers' logs stay in the printed folder.
"""

import argparse
import asyncio
import itertools
import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench import load_client

ROOT = Path(__file__).resolve().parent.parent
TARGET_P99_MS = 500
TARGET_RATIO = 3.0
BROKER_DB = 14  # a Redis database of the benchmark's own, emptied before each run
CACHE_DB = 13  # the shared cache docker-compose.yml gives the web processes, emptied too
JSON_DEFAULT = ROOT / "bench" / "results" / "throughput.json"  # bench/results/ is ignored by git
MIGRATION = re.compile(r"^(\w+)/migrations/(\d{4}_\w+)\.py$")


def say(line: str) -> None:
    print(line, flush=True)


# --- databases -----------------------------------------------------------------------------


def with_name(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def connect(url: str):
    import psycopg2

    conn = psycopg2.connect(url)
    conn.autocommit = True
    return conn


def on_server(url: str, statement) -> None:
    """Run a statement about databases on the server of ``url`` (connected to "postgres")."""
    admin = connect(with_name(url, "postgres"))
    try:
        with admin.cursor() as cursor:
            cursor.execute(statement)
    finally:
        admin.close()


def copy_database(source_url: str, name: str) -> str:
    """A fresh copy of the source under ``name`` (dropped first if a run left one)."""
    from psycopg2 import errors, sql

    target = with_name(source_url, name)
    drop_database(target)
    for attempt in itertools.count(1):
        try:
            on_server(source_url, sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(database_name(source_url))))
            return target
        except errors.ObjectInUse as exc:
            # PostgreSQL copies a template nobody is connected to: wait out a client.
            if attempt == 10:
                raise SystemExit(f"{database_name(source_url)} is in use: cannot copy it") from exc
            time.sleep(3)


def drop_database(url: str) -> None:
    from psycopg2 import sql

    on_server(url, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
        sql.Identifier(database_name(url))))


def query(url: str, statement: str, params=()) -> list[tuple]:
    conn = connect(url)
    try:
        with conn.cursor() as cursor:
            cursor.execute(statement, params)
            return cursor.fetchall() if cursor.description else []
    finally:
        conn.close()


def migrations_in(files: list[str]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in files:
        match = MIGRATION.match(path)
        if match:
            found.setdefault(match[1], set()).add(match[2])
    return found


def rollback_targets(baseline: str) -> dict[str, str]:
    """app -> the baseline's last migration, for every app this tree has newer ones of."""
    theirs = migrations_in(git("ls-tree", "-r", "--name-only", baseline).splitlines())
    ours = migrations_in([str(p.relative_to(ROOT)) for p in ROOT.glob("*/migrations/*.py")])
    return {app: max(theirs[app]) if theirs.get(app) else "zero"
            for app, names in sorted(ours.items()) if names - theirs.get(app, set())}


# --- the code under test -------------------------------------------------------------------


def git(*args: str, tree: Path = ROOT, check: bool = True) -> str:
    return subprocess.run(["git", "-C", str(tree), *args], check=check, capture_output=True,
                          text=True).stdout.strip()


def baseline_tree(commit: str) -> tuple[str, Path]:
    """The baseline commit checked out (detached) beside this one, made on first use."""
    sha = git("rev-parse", "--verify", f"{commit}^{{commit}}")
    path = Path(tempfile.gettempdir()) / f"tierdesk-baseline-{sha[:7]}"
    if not path.exists():
        say(f"checking out {sha[:7]} in {path}")
        git("worktree", "add", "--detach", str(path), sha)
    if (git("rev-parse", "HEAD", tree=path, check=False) != sha
            or git("status", "--porcelain", "--untracked-files=no", tree=path, check=False)):
        raise SystemExit(f"{path} is not a clean checkout of {sha[:7]}: remove it and run again")
    if git("diff", "--stat", sha, "--", "requirements.lock", "pyproject.toml"):
        say(f"WARNING: the dependencies changed since {sha[:7]}; the baseline runs on today's")
    return sha, path


def app_env(tree: Path, database_url: str, workdir: Path, front_line: str) -> dict:
    """The production settings (docker-compose.yml's), on plain http on 127.0.0.1."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TIERDESK_"))}
    return env | {
        "PYTHONPATH": str(tree),  # this tree's modules, never the editable install's
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": f"redis://127.0.0.1:6379/{BROKER_DB}",
        "CACHE_URL": f"redis://127.0.0.1:6379/{CACHE_DB}",
        "DEBUG": "0",
        "SECRET_KEY": "bench-throughput-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CONN_MAX_AGE": "60",
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "TIERDESK_BEHIND_TLS_PROXY": "0", "SECURE_SSL_REDIRECT": "0", "SECURE_HSTS_SECONDS": "0",
        "SESSION_COOKIE_SECURE": "0", "CSRF_COOKIE_SECURE": "0",
        "ESCALATION_SWEEP_SECONDS": "60",
        "TIERDESK_FRONT_LINE_DEPARTMENT": front_line,
        "TIERDESK_VAR_DIR": str(workdir / "var"),  # beat's schedule and the like, not the tree's
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "LOG_LEVEL": "WARNING",
    }


def manage(tree: Path, env: dict, *args: str) -> None:
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=tree, env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} in {tree} failed:\n{done.stderr[-3000:]}")


class Stack:
    """gunicorn and a Celery worker with beat for one tree and database; logs in ``workdir``."""

    def __init__(self, label: str, tree: Path, env: dict, workdir: Path):
        self.label, self.tree, self.env, self.workdir = label, tree, env, workdir
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]  # free now; gunicorn binds it a moment later
        self.processes: list[subprocess.Popen] = []
        self.logs = {name: workdir / f"{label}-{name}.log" for name in ("gunicorn", "celery")}

    def start(self) -> None:
        import redis

        for db in (BROKER_DB, CACHE_DB):
            redis.Redis(host="127.0.0.1", port=6379, db=db).flushdb()
        # STATIC_ROOT: whitenoise warns in every worker when it is missing.
        (self.workdir / "var" / "static").mkdir(parents=True, exist_ok=True)
        self._spawn("celery", "-m", "celery", "-A", "config", "worker", "-B", "--concurrency=1",
                    "--loglevel=WARNING", f"--schedule={self.workdir / f'{self.label}-beat'}")
        self._spawn("gunicorn", "-m", "gunicorn", "config.wsgi:application",
                    f"--bind=127.0.0.1:{self.port}", "--workers=2", "--worker-class=sync",
                    f"--chdir={self.tree}", "--log-level=warning")
        self._wait_until_up()

    def _spawn(self, name: str, *args: str) -> None:
        with open(self.logs[name], "ab") as log:
            self.processes.append(subprocess.Popen(
                [sys.executable, *args], cwd=self.tree, env=self.env, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True))

    def _wait_until_up(self, limit: float = 90.0) -> None:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            for process, name in zip(self.processes, self.logs, strict=True):
                if process.poll() is not None:
                    raise SystemExit(f"{name} exited at start: see {self.logs[name]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz/", timeout=5):
                    return
            except urllib.error.HTTPError:
                return  # 503: a stale clock before the first sweep; the server answers
            except OSError:
                time.sleep(0.5)
        raise SystemExit(f"gunicorn did not answer /healthz/ within {limit:.0f} s")

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # the group this run started
                process.wait()

    def failures(self) -> list[tuple[int, str]]:
        """(count, the last lines of a traceback) for each kind the servers logged."""
        found: dict[str, int] = {}
        for log in self.logs.values():
            lines = log.read_text(errors="replace").splitlines() if log.exists() else []
            for i, line in enumerate(lines):
                if line.startswith("Traceback (most recent call last)"):
                    end = next((j for j in range(i + 1, len(lines))
                                if lines[j] and not lines[j].startswith(" ")), len(lines) - 1)
                    tail = "\n".join(lines[max(i, end - 2): end + 1])
                    found[tail] = found.get(tail, 0) + 1
        return sorted(((n, tail) for tail, n in found.items()), reverse=True)


# --- the people the load signs in as ----------------------------------------------------------


def cast(url: str, clients: int, front_line: str, password: str) -> list[load_client.Person]:
    """Mostly front-line agents, a quarter tier-2 agents, one manager (two from 12 clients)."""
    managers = [u for (u,) in query(url, """
        SELECT u.username FROM auth_user u JOIN auth_user_groups ug ON ug.user_id = u.id
        JOIN auth_group g ON g.id = ug.group_id WHERE g.name = 'managers' AND u.is_active
        ORDER BY u.username""")]
    members = query(url, """
        SELECT u.username, t.level, d.slug = %s,
               EXISTS (SELECT 1 FROM departments_tier up
                       WHERE up.department_id = t.department_id AND up.level > t.level)
        FROM departments_membership m JOIN auth_user u ON u.id = m.user_id
        JOIN departments_tier t ON t.id = m.tier_id
        JOIN departments_department d ON d.id = m.department_id
        WHERE u.is_active AND t.level <= 2
        ORDER BY d.slug = %s DESC, d.slug, u.username""", (front_line, front_line))
    wanted_managers = min(len(managers), 1 if clients < 12 else 2)
    wanted_tier2 = max(1, round(clients / 4))
    people = [load_client.Person(u, password, "manager", may_resolve_on_call=True)
              for u in managers[:wanted_managers]]
    for level, role, count in ((2, "tier 2", wanted_tier2),
                               (1, "front line", clients - wanted_managers - wanted_tier2)):
        seats = [load_client.Person(u, password, role, may_resolve_on_call=level == 1 and front,
                                    may_pass_up=above)
                 for u, lvl, front, above in members if lvl == level]
        seats = list({p.username: p for p in seats}.values())
        if not seats:
            raise SystemExit(f"the database has nobody at tier {level} to sign in as")
        # Fewer people than virtual users: some sign in twice, as in two browser windows.
        people += [seats[i % len(seats)] for i in range(count)]
    return people


def prepare_people(url: str, people: list[load_client.Person], password: str) -> None:
    """Give the people a known password (the benchmark's organisation has unusable ones)."""
    from django.conf import settings

    if not settings.configured:
        settings.configure()
    from django.contrib.auth.hashers import make_password

    names = sorted({p.username for p in people})
    query(url, "UPDATE auth_user SET password = %s WHERE username = ANY(%s)",
          (make_password(password), names))
    query(url, "DELETE FROM axes_accessattempt WHERE username = ANY(%s) OR ip_address = %s",
          (names, "127.0.0.1"))


# --- one run -----------------------------------------------------------------------------


@dataclass
class Run:
    label: str
    commit: str
    summary: load_client.Summary
    escalated: int
    breached: int
    swept: bool
    failures: list
    load: tuple[float, float]  # the machine's load average before and after

    def report(self) -> list[str]:
        s, t = self.summary, self.summary.total
        lines = [
            f"== {self.label} ({self.commit}): {t.requests} requests in {s.seconds:.0f} s, "
            f"{s.requests_per_second:.1f} requests/s ==",
            f"  latency p50 {t.p50_ms:.0f} ms, p95 {t.p95_ms:.0f} ms, p99 {t.p99_ms:.0f} ms; "
            f"{s.connections} connections",
            f"  errors {sum(t.errors.values())} {t.errors or ''}".rstrip()
            + f"; conflicts {sum(t.conflicts.values())} {t.conflicts or ''}".rstrip(),
        ]
        for kind, k in s.kinds.items():
            lines.append(f"  {kind:<6} {k.requests:6d} requests ({k.requests / max(1, t.requests):4.0%})"
                         f"  p95 {k.p95_ms:6.0f} ms  p99 {k.p99_ms:6.0f} ms  errors "
                         f"{sum(k.errors.values())}  conflicts {sum(k.conflicts.values())}")
        for page, p in s.pages.items():
            lines.append(f"    {page:<20} {p.requests:6d}  p50 {p.p50_ms:6.0f} ms  p95 {p.p95_ms:6.0f} ms")
        lines.append(f"  the sweep during the run: {self.escalated} escalated, {self.breached} "
                     f"breached, {'a sweep completed' if self.swept else 'NO sweep completed'}; "
                     f"load average {self.load[0]:.1f} before, {self.load[1]:.1f} after")
        for count, tail in self.failures[:5]:
            lines.append(f"  logged {count}x:\n    " + tail.replace("\n", "\n    "))
        return lines


def measure(label: str, commit: str, tree: Path, url: str, people, args, workdir: Path) -> Run:
    env = app_env(tree, url, workdir, args.front_line)
    last_handoff, began = query(url, "SELECT COALESCE(MAX(id), 0), now() FROM tickets_handoff")[0]
    stack = Stack(label, tree, env, workdir)
    say(f"{label}: gunicorn on 127.0.0.1:{stack.port}, celery with beat; logs {workdir}/{label}-*.log")
    load = os.getloadavg()[0]
    stack.start()
    try:
        recorder = load_client.Recorder()
        rng = random.Random(args.seed)
        users = [load_client.Agent(load_client.Session("127.0.0.1", stack.port, recorder),
                                   person, random.Random(rng.random())) for person in people]
        say(f"{label}: {len(users)} agents signing in, warming up {args.warmup:.0f} s, then "
            f"{args.seconds:.0f} s measured")
        summary = asyncio.run(load_client.run(users, recorder, seconds=args.seconds,
                                              warmup=args.warmup,
                                              progress=lambda m: say(f"{label}: {m}")))
    except load_client.SignInFailed as exc:
        raise SystemExit(f"{label}: {exc} (see {stack.logs['gunicorn']})") from exc
    finally:
        stack.stop()
    kinds = dict(query(url, "SELECT kind, COUNT(*) FROM tickets_handoff WHERE id > %s "
                            "AND kind IN ('escalated', 'breached') GROUP BY kind", (last_handoff,)))
    swept = query(url, "SELECT 1 FROM escalation_clockheartbeat WHERE last_sweep_at > %s", (began,))
    return Run(label, commit, summary, kinds.get("escalated", 0), kinds.get("breached", 0),
               bool(swept), stack.failures(), (load, os.getloadavg()[0]))


# --- the verdict -------------------------------------------------------------------------


def checks(new: Run, baseline: Run | None) -> list[dict]:
    """Issue 13's targets, each with the baseline's figure and the ratio beside it."""
    n, b = new.summary, baseline.summary if baseline else None
    rps = n.requests_per_second
    ratio = rps / max(b.requests_per_second, 1e-9) if b else None
    return [
        {"figure": "errors (new)", "value": str(n.error_count), "target": "0",
         "ok": n.error_count == 0, "beside": f"baseline {b.error_count}" if b else ""},
        {"figure": "p99 (new)", "value": f"{n.total.p99_ms:.0f} ms", "target": f"< {TARGET_P99_MS} ms",
         "ok": n.total.p99_ms < TARGET_P99_MS,
         "beside": f"baseline {b.total.p99_ms:.0f} ms; new / baseline "
                   f"{n.total.p99_ms / b.total.p99_ms:.2f}" if b else ""},
        {"figure": "requests/s new / baseline",
         "value": f"{ratio:.2f}x" if b else "not measured", "target": f">= {TARGET_RATIO}x",
         # Not measured (--skip-baseline) is no miss: there is nothing to compare with.
         "ok": ratio is None or ratio >= TARGET_RATIO,
         "beside": f"{rps:.1f}/s vs {b.requests_per_second:.1f}/s" if b else f"new {rps:.1f}/s"},
    ]


def check_line(check: dict) -> str:
    verdict = "ok" if check["ok"] else "MISSED"
    if check["value"] == "not measured":
        verdict = "skipped"
    beside = f"  ({check['beside']})" if check["beside"] else ""
    return f"  {check['figure']:<26} {check['value']:>12}  target {check['target']:<9} [{verdict}]{beside}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="the database to copy (never changed)")
    parser.add_argument("--seconds", type=float, default=60, help="measured time per run")
    parser.add_argument("--warmup", type=float, default=10, help="unmeasured load before it")
    parser.add_argument("--clients", type=int, default=8, help="virtual users at once")
    parser.add_argument("--baseline", default="9721ddc", help="the commit to compare with")
    parser.add_argument("--skip-baseline", action="store_true", help="measure this tree only")
    parser.add_argument("--front-line", default="bench-cs", help="the front-line department's slug")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--keep", action="store_true", help="keep the two database copies")
    parser.add_argument("--json", nargs="?", const=str(JSON_DEFAULT), metavar="PATH",
                        help=f"write the figures there (default {JSON_DEFAULT.relative_to(ROOT)})")
    args = parser.parse_args(argv)
    if not args.database_url.startswith("postgres"):
        raise SystemExit("the throughput benchmark runs on PostgreSQL: --database-url postgres://...")
    source = database_name(args.database_url)
    if not query(with_name(args.database_url, "postgres"),
                 "SELECT 1 FROM pg_database WHERE datname = %s", (source,)):
        raise SystemExit(f"no database {source}: build one (python -m bench.dashboard) first")
    workdir = Path(tempfile.mkdtemp(prefix="tierdesk-throughput-"))
    head = git("rev-parse", "--short", "HEAD")
    plan = [("new", f"{head} + working tree" if git("status", "--porcelain") else head, ROOT, None)]
    if not args.skip_baseline:
        sha, tree = baseline_tree(args.baseline)
        plan.insert(0, ("baseline", sha[:7], tree, rollback_targets(sha)))
    copies = {}
    runs = {}
    try:
        for label, _commit, tree, targets in plan:
            say(f"{label}: copying {source}")
            name = f"{source[:36]}_tp{os.getpid()}_{label}"  # two runs at once never share one
            url = copies[label] = copy_database(args.database_url, name)
            env = app_env(ROOT, url, workdir, args.front_line) | {"CELERY_BROKER_URL": "memory://"}
            manage(ROOT, env, "migrate", "--noinput")
            for app, target in (targets or {}).items():
                say(f"{label}: {app} back to {target}")
                manage(ROOT, env, "migrate", app, target, "--noinput")
            if targets is not None:
                manage(tree, app_env(tree, url, workdir, args.front_line), "migrate", "--check")
        password = secrets.token_urlsafe(12)
        people = cast(copies["new"], args.clients, args.front_line, password)
        say("agents: " + ", ".join(f"{p.username} ({p.role})" for p in people))
        for url in copies.values():
            prepare_people(url, people, password)
        for label, commit, tree, _targets in plan:
            runs[label] = measure(label, commit, tree, copies[label], people, args, workdir)
            for line in runs[label].report():
                say(line)
    finally:
        for url in copies.values() if not args.keep else ():
            drop_database(url)
        if args.keep:
            say("kept " + ", ".join(database_name(u) for u in copies.values()))
    found = checks(runs["new"], runs.get("baseline"))
    say(f"== issue 13's targets ({os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}) ==")
    for check in found:
        say(check_line(check))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({
            "database": source, "seconds": args.seconds, "clients": args.clients,
            "cpus": os.cpu_count(), "checks": found,
            "runs": {label: asdict(run) | {"requests_per_second": run.summary.requests_per_second}
                     for label, run in runs.items()},
        }, indent=2, default=str) + "\n")
        say(f"figures written to {args.json}")
    return 0 if all(c["ok"] for c in found) else 1


if __name__ == "__main__":
    # 1 means a target was missed; anything that stopped the benchmark itself is 2.
    try:
        sys.exit(main())
    except SystemExit as exc:
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr, flush=True)
            sys.exit(2)
        raise
    except Exception:
        traceback.print_exc()
        sys.exit(2)
