"""The drills of ``make drill``, each recording its checks in the report (scripts/drill/drill.py)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

from harness import (
    DB_NAME,
    LIBFAKETIME,
    PY,
    ROOT,
    SWEEP_SECONDS,
    TIER_SECONDS,
    WORK,
    Load,
    Processes,
    Report,
    beat_argv,
    check_invariants,
    database_reachable,
    django,
    http,
    log,
    log_count,
    psql,
    settle,
    start_redis,
    stop_redis,
    wait_until,
    worker_argv,
    worker_logs_count,
)
from smtp_sink import SmtpSink


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
