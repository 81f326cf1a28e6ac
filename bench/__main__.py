"""``python -m bench``: the sweep benchmark at 10,000 and 100,000 tickets (10 % due)."""

from bench import sweep

for tickets in (10_000, 100_000):
    print(f"== {tickets:,} tickets ==", flush=True)
    sweep.main(["--tickets", str(tickets), "--due-fraction", "0.1"])
