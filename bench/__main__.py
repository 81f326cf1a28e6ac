"""``python -m bench`` (``make bench``): the benchmarks at 100,000 tickets, figures for docs/benchmarks.md.

The sweep at 10,000 and 100,000 tickets (10 % due) against its one-statement floor, and at
100,000 with customer service on a working-hours calendar; then the
monthly dashboard at a call centre's size: 1,000,000 tickets over two years, 60,000 of them
in October 2026 (built in a few minutes the first time, reused afterwards), every page timed
against 500 ms; then the same pages at 5,000 tickets, to show that the number of queries does
not grow with the database. ``BENCH_DASHBOARD_URL`` names the dashboard's database
(default postgres://postgres@127.0.0.1:5432/tierdesk_bench_reports; the small one is
``<name>_small``). Last, every screen and endpoint at 100,000 tickets (``bench.screens``).
``make bench-1m`` has the million, the throughput and the growth. Exits 1 when a page is
over its target.
"""

import os
import sys
import time

from bench import dashboard, screens, sweep

started = time.perf_counter()
for tickets in (10_000, 100_000):
    print(f"== sweep: {tickets:,} tickets ==", flush=True)
    sweep.main(["--tickets", str(tickets), "--due-fraction", "0.1"])
print("== sweep: 100,000 tickets, customer service on office hours (working-time deadlines) ==", flush=True)
sweep.main(["--tickets", "100000", "--due-fraction", "0.1", "--calendar"])

url = os.environ.get("BENCH_DASHBOARD_URL", dashboard.DEFAULT_URL)
print("== dashboard: 1,000,000 tickets, 60,000 opened in October 2026 ==", flush=True)
large = dashboard.run(url, 1_000_000, 60_000)
print("== dashboard: 5,000 tickets, 1,000 opened in October 2026 (query counts) ==", flush=True)
small = dashboard.run(f"{url}_small", 5_000, 1_000, rounds=5)

print("== queries per page: 5,000 vs 1,000,000 tickets ==")
for a, b in zip(small, large, strict=True):
    same = "same" if a.queries == b.queries else "DIFFERENT"
    print(f"  {a.label:<44} {a.queries:3d} vs {b.queries:3d}  [{same}]")
slow = [f.label for f in large if not f.ok]
print(f"{len(large) - len(slow)} of {len(large)} pages under 500 ms (p95) at 1,000,000 tickets"
      + (f"; over: {', '.join(slow)}" if slow else ""))
missed_screens = screens.main(["--tickets", "100000"])
print(f"make bench took {(time.perf_counter() - started) / 60:.1f} min")
sys.exit(1 if slow or missed_screens else 0)
