"""The sweep's and the dashboard's cost follow the open and monthly tickets, not the history.

    python -m bench.scaling --tickets 1000000 --tickets 10000000     # make bench-10m

Each size is a ``generate_load`` database (``bench.load``) with the SAME month: 60,000
tickets opened in the last full month and the month so far in proportion, the rest of the
``--tickets`` spread over the two years before. So the larger database holds ten times the
history (and its breached backlog) behind the same recent work. Measured on each, median
of ``--rounds``:

* the sweep as beat runs it every minute (what fell due since the last run: nothing much);
* the sweep of the next hour: ``escalate_overdue`` at now + 1 h, moving what falls due in
  that hour, and its floor (``bench.sweep``'s one statement) on the same tickets, each inside
  a transaction rolled back afterwards, so every round moves the same tickets;
* the monthly dashboard of all departments for the last full month: the page (read from
  the month's snapshot) and computing that snapshot, which beat does in the background
  (``reports.metrics.snapshots.refresh``).

The figures go to docs/scaling.md. The exit status is 1 when a cost grew more than 1.5x what
it follows (the sweep: the tickets due; the dashboard page: the month; computing the month:
the open backlog too, whose day-by-day figures it reads), or by half the history's growth.
"""

import argparse
import json
import os
import statistics
import sys
import time
from datetime import timedelta

from bench.screens import GROWTH_SLACK_MS, size_label

# The same databases as bench.screens: its million is this benchmark's smaller size.
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tierdesk_load_{size}"
MONTH_TICKETS = 60_000


class RolledBack(Exception):
    """Raised to undo a timed run."""


def _rolled_back(work):
    """Run ``work()`` in a transaction that is always undone; return its result and ms."""
    from django.db import transaction

    box = {}
    try:
        with transaction.atomic():
            started = time.perf_counter()
            box["result"] = work()
            box["ms"] = (time.perf_counter() - started) * 1000
            raise RolledBack
    except RolledBack:
        pass
    return box["result"], box["ms"]


def measure(rounds: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from bench import sweep as sweep_bench
    from escalation.sweep import escalate_overdue, overdue_tickets
    from reports.months import last_full_month

    now = timezone.now()
    escalate_overdue(now=now)  # what fell due since the database was built
    hour = now + timedelta(hours=1)
    due = overdue_tickets(hour).count()
    minute, next_hour, floor = [], [], []
    for _round in range(rounds):
        started = time.perf_counter()
        escalate_overdue(now=timezone.now())
        minute.append((time.perf_counter() - started) * 1000)
        result, ms = _rolled_back(lambda: escalate_overdue(now=hour))
        next_hour.append(ms)

        def one_statement():
            rules, periods = sweep_bench.working_time_in_force()
            with connection.cursor() as cursor:
                cursor.execute(sweep_bench.floor_sql(), {
                    "now": hour, "next_due": json.dumps(sweep_bench.next_due_by_tier()),
                    "rules": rules, "periods": periods,
                })
                return cursor.rowcount

        rows, ms = _rolled_back(one_statement)
        floor.append(ms)
        if result.escalated + result.breached != due or rows != due:
            raise SystemExit(f"{due} due in the next hour; the sweep moved "
                             f"{result.escalated + result.breached}, the floor {rows}")
    client = Client()
    client.force_login(get_user_model().objects.get(username="bench-manager-0"))
    month = last_full_month().key
    client.get("/reports/", {"month": month})  # warm-up (and the month's snapshot)
    dashboard = []
    for _round in range(rounds):
        started = time.perf_counter()
        response = client.get("/reports/", {"month": month})
        dashboard.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    from reports.metrics.snapshots import refresh
    from reports.months import Month

    computed = []
    for _round in range(max(1, rounds // 2)):
        started = time.perf_counter()
        refresh(Month(*map(int, month.split("-"))), None)
        computed.append((time.perf_counter() - started) * 1000)
    return {
        "due_next_hour": due,
        "sweep_on_the_minute_ms": statistics.median(minute),
        "sweep_next_hour_ms": statistics.median(next_hour),
        "floor_next_hour_ms": statistics.median(floor),
        "dashboard_ms": statistics.median(dashboard),
        "dashboard_computed_ms": statistics.median(computed),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, action="append", required=True)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args(argv)
    from bench import dashboard, load

    results = {}
    for tickets in sorted(args.tickets):
        print(f"== {tickets:,} tickets, {MONTH_TICKETS:,} of them last month ==", flush=True)
        dashboard.setup(os.environ.get("BENCH_SCALE_URL", DEFAULT_URL).format(size=size_label(tickets)))
        facts = load.build(tickets, month_tickets=MONTH_TICKETS)
        print(load.describe(facts), flush=True)
        figures = measure(args.rounds)
        results[tickets] = {"facts": {k: v for k, v in facts.items() if k != "laps"}, **figures}
        print("  " + ", ".join(f"{k} {v:,.1f}" if isinstance(v, float) else f"{k} {v:,}"
                               for k, v in figures.items()), flush=True)
    missed = []
    sizes = sorted(results)
    if len(sizes) > 1:
        small, large = results[sizes[0]], results[sizes[-1]]
        history = sizes[-1] / sizes[0]
        opened = large["facts"]["open"] / small["facts"]["open"]
        due = max(1, large["due_next_hour"]) / max(1, small["due_next_hour"])
        print(f"== {sizes[0]:,} -> {sizes[-1]:,} tickets: history x{history:.1f}, open tickets "
              f"x{opened:.1f}, the month x1.0, due in the next hour x{due:.1f} ==")
        print(f"   (target: at most 1.5x what each follows, and under half the history's x{history:.0f})")
        # What each cost should follow: the sweep what is due, the page the month, computing
        # the month also the open backlog (its day-by-day backlog figures). The floor is a
        # reference, not a cost of the product.
        follows = {"sweep_on_the_minute_ms": 1.0, "sweep_next_hour_ms": due,
                   "dashboard_ms": 1.0, "dashboard_computed_ms": opened, "floor_next_hour_ms": None}
        for key, driver in follows.items():
            a, b = small[key], large[key]
            ratio = b / a
            if driver is None:
                print(f"  {key:<26} {a:8.1f} -> {b:8.1f} ms  {ratio:5.2f}x  [reference]")
                continue
            ok = (ratio <= 1.5 * driver or b - a <= GROWTH_SLACK_MS) and ratio < history / 2
            print(f"  {key:<26} {a:8.1f} -> {b:8.1f} ms  {ratio:5.2f}x  follows x{driver:.1f}"
                  f"  [{'ok' if ok else 'MISSED'}]")
            if not ok:
                missed.append(key)
    if args.json:
        with open(args.json, "w") as out:
            json.dump({str(k): v for k, v in results.items()}, out, indent=2, default=str)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
