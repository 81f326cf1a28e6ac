"""Timing the dashboard, its CSVs and its drill-downs through Django's test client.

Each page is fetched once to warm up (connections, caches, PostgreSQL's buffers), then
``rounds`` times; p50 and p95 are nearest-rank over those runs (with 7 runs p95 is the
slowest), the queries are counted in every run and must be the same each time.

Wall time on a shared machine moves with whatever else runs on it, so each page also gets
its CPU time (median): this process's (Django, templates, reading rows) plus the
PostgreSQL backend's that served it, read from /proc when the server runs on this machine
(parallel workers' CPU is not in it). On an otherwise idle machine the wall time is about
that CPU time; the load average is printed with the figures.
"""

import math
import os
import statistics
import time
from dataclasses import dataclass

TARGET_MS = 500


@dataclass
class Figure:
    label: str
    runs_ms: list[float]
    queries: int
    kib: int
    cpu_ms: float | None = None

    @property
    def p50(self) -> float:
        return _rank(self.runs_ms, 0.5)

    @property
    def p95(self) -> float:
        return _rank(self.runs_ms, 0.95)

    @property
    def ok(self) -> bool:
        return self.p95 < TARGET_MS

    def line(self) -> str:
        verdict = "OK" if self.ok else "SLOW"
        cpu = f"cpu {self.cpu_ms:5.0f} ms" if self.cpu_ms is not None else "cpu     ?   "
        return (
            f"  {self.label:<44} p50 {self.p50:6.0f} ms  p95 {self.p95:6.0f} ms  {cpu}  "
            f"{self.queries:3d} queries {self.kib:5d} KiB  [{verdict}: target < {TARGET_MS} ms]"
        )


def _rank(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(round(fraction * len(ordered), 9))) - 1]


def pages(month_key: str, department_slug: str, samples: dict) -> list[tuple[str, str, dict]]:
    """(label, path, query) of everything measured: the page, each CSV, some drill-downs."""
    from reports.tables import TABLES

    month = {"month": month_key}
    drill = "/reports/tickets/"
    result = [
        ("dashboard, all departments", "/reports/", month),
        (f"dashboard, {department_slug}", "/reports/", {**month, "department": department_slug}),
    ]
    result += [(f"csv {slug}", f"/reports/csv/{slug}/", month) for slug in TABLES]
    result += [
        ("drill: a person's held tickets", drill,
         {**month, "level": "person", "figure": "held", "key": samples["person"],
          "tier": samples["person_tier"]}),
        ("drill: a tier's escalations", drill,
         {**month, "level": "tier", "figure": "escalated", "key": samples["tier"]}),
        ("drill: a day's backlog (25th, 25 h)", drill,
         {**month, "level": "day", "figure": "backlog", "key": samples["day"]}),
        ("drill: the organisation's resolved, p. 2", drill,
         {**month, "level": "organisation", "figure": "resolved", "page": 2}),
    ]
    return result


def samples(month) -> dict:
    """The busiest person of the month (by tickets given to them), the front line, the 25th."""
    from django.db import connection

    from departments.models import Tier

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT to_owner_id, to_tier_id FROM tickets_handoff
            WHERE at >= %s AND at < %s AND to_owner_id IS NOT NULL AND kind <> 'resolved'
            GROUP BY 1, 2 ORDER BY COUNT(DISTINCT ticket_id) DESC, 1, 2 LIMIT 1
            """,
            [month.start, month.end],
        )
        person, tier = cursor.fetchone()
    front_line = Tier.objects.get(department__slug="bench-cs", level=1)
    return {"person": person, "person_tier": tier, "tier": front_line.pk, "day": f"{month.key}-25"}


def measure(viewer_id: int, month, *, rounds: int = 7, department_slug: str = "bench-cs",
            only: str | None = None) -> list[Figure]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(get_user_model().objects.get(pk=viewer_id))
    figures = []
    print(f"  (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)", flush=True)
    if not only or "snapshot" in only:
        snapshots(month, department_slug, rounds=max(1, rounds // 2))
    for label, path, query in pages(month.key, department_slug, samples(month)):
        if only and only not in label:
            continue
        _get(client, path, query)  # warm-up; the test client keeps the connection open
        server = _backend_cpu(connection)
        runs, cpu, counts, size = [], [], set(), 0
        for _i in range(rounds):
            with CaptureQueriesContext(connection) as captured:
                started, own, theirs = time.perf_counter(), time.process_time(), server()
                response = _get(client, path, query)
                runs.append((time.perf_counter() - started) * 1000)
                used = server()
                if used is not None and theirs is not None:
                    cpu.append((time.process_time() - own + used - theirs) * 1000)
            counts.add(len(captured))
            size = len(response.content)
        if len(counts) != 1:
            raise SystemExit(f"{label}: the number of queries changed between runs: {counts}")
        figure = Figure(label, runs, counts.pop(), size // 1024,
                        statistics.median(cpu) if len(cpu) == rounds else None)
        print(figure.line(), flush=True)
        figures.append(figure)
    print(f"  (load average {os.getloadavg()[0]:.1f})", flush=True)
    return figures


def snapshots(month, department_slug: str, *, rounds: int) -> None:
    """Time what the beat task does in the background: computing and storing a month's
    snapshot (reports.metrics.snapshots.refresh), which the pages then read."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from departments.models import Department
    from reports.metrics.snapshots import refresh

    for label, department in (("all departments", None),
                              (department_slug, Department.objects.get(slug=department_slug))):
        runs, counts = [], set()
        for _i in range(rounds):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                refresh(month, department)
                runs.append((time.perf_counter() - started) * 1000)
            counts.add(len(captured))
        print(f"  snapshot, {label:<34} p50 {_rank(runs, 0.5):6.0f} ms  max {max(runs):6.0f} ms"
              f"  {max(counts):3d} queries  [computed in the background by beat]", flush=True)


def _backend_cpu(connection):
    """A function giving the CPU seconds of the PostgreSQL backend behind ``connection``
    (None when it cannot be read: the server runs elsewhere)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    tick = os.sysconf("SC_CLK_TCK")

    def read():
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / tick

    return read


def _get(client, path, query):
    response = client.get(path, query)
    if response.status_code != 200:
        raise SystemExit(f"{path} {query} answered {response.status_code}")
    return response
