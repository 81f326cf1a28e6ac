"""``python -m bench`` (``make bench``): every benchmark, figures for docs/benchmarks.md.

The sweep at 10,000 and 100,000 tickets (10 % due) against its one-statement floor, then
the monthly dashboard for a month of 100,000 tickets.
"""

from bench import dashboard, sweep

for tickets in (10_000, 100_000):
    print(f"== sweep: {tickets:,} tickets ==", flush=True)
    sweep.main(["--tickets", str(tickets), "--due-fraction", "0.1"])

print("== dashboard: a month of 100,000 tickets ==", flush=True)
dashboard.main(["--tickets", "100000"])
