"""Benchmark the escalation sweep against the floor: one hand-written SQL statement.

    python -m bench.sweep --tickets 100000 --due-fraction 0.1

On PostgreSQL (``DATABASE_URL``, default ``postgres://postgres@127.0.0.1:5432/tierdesk_bench``):
builds a seed database ``<name>_seed`` once (migrations, a small organisation and N open
tickets, each with its ``opened`` handoff), then for every measured run clones it with
``CREATE DATABASE <name> TEMPLATE <name>_seed`` (the handoff ledger refuses DELETE, so a
fresh copy is the honest reset). It measures

* the sweep (``tickets.escalate_overdue``): wall time, queries issued,
  Python memory peak (tracemalloc, in a separate run so it does not slow the timed ones);
* the floor: the same change done by ONE SQL statement (lock the due rows, move or breach
  them, write their handoffs with their chain hashes), and checks that both leave identical
  tickets and handoffs (chain hashes included).

Both databases are dropped at the end unless ``--keep`` is given. The Celery broker is
forced to ``memory://`` so the emails the sweep queues never reach a real worker.
"""

import argparse
import gc
import json
import os
import resource
import statistics
import sys
import time
import tracemalloc
from dataclasses import asdict, dataclass, field

import environ

from bench.sweep_seed import (
    HANDOFF_COLUMNS,
    SWEEP_AT,
    build_seed,
    chain_sql,
    drop_database,
    recreate_database,
    use_database,
)

# Seed, databases and the fixed sweep instant: bench/sweep_seed.py.
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tierdesk_bench"


def configure_django() -> None:
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Whatever the shell exports: the bench's emails must never reach a worker on another database.
    os.environ["CELERY_BROKER_URL"] = "memory://localhost/"
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # Seeding a million tickets runs statements far longer than a page's 30 s limit.
    os.environ.setdefault("DATABASE_STATEMENT_TIMEOUT_MS", "0")
    import django

    django.setup()


# --- the two ways of doing the work -----------------------------------------------------------


def floor_sql() -> str:
    """FLOOR_SQL with the chain: each handoff hashed over its columns and its ticket's last hash."""
    previous = (
        "(SELECT h.chain_hash FROM tickets_handoff h WHERE h.ticket_id = c.ticket_id ORDER BY h.id DESC LIMIT 1)"
    )
    return FLOOR_SQL.format(columns=HANDOFF_COLUMNS, chain=chain_sql(previous))


# Every seeded ticket is owned by whoever opened it, long before its deadline, and nobody
# released any: so the time-out is charged to the owner (tickets.responsibility) and the
# floor, unlike the sweep, need not look for releases. Nobody wrote last_handoff_at either,
# so since_previous is empty in both. ({columns} and {chain}: filled by floor_sql.)
FLOOR_SQL = """
WITH due AS (
    SELECT t.id, t.tier_id, t.department_id, t.owner_id, t.due_at, t.owned_since,
           cur.name AS tier_name, cur.resolve_within AS tier_within,
           nxt.id AS next_id, nxt.resolve_within AS next_within
    FROM tickets_ticket t
    JOIN departments_tier cur ON cur.id = t.tier_id
    LEFT JOIN LATERAL (
        SELECT n.id, n.resolve_within FROM departments_tier n
        WHERE n.department_id = t.department_id AND n.level > cur.level
        ORDER BY n.level LIMIT 1
    ) nxt ON true
    -- The sweep's own conditions (escalation.sweep.overdue_tickets), so both read the
    -- partial index of due tickets.
    WHERE t.status = 'open' AND NOT t.breached AND t.paused_at IS NULL AND t.due_at <= %(now)s
    FOR UPDATE OF t SKIP LOCKED
), moved AS (
    UPDATE tickets_ticket t SET
        tier_id = coalesce(due.next_id, t.tier_id),
        owner_id = CASE WHEN due.next_id IS NULL THEN t.owner_id END,
        owned_since = CASE WHEN due.next_id IS NULL THEN t.owned_since END,
        tier_entered_at = CASE WHEN due.next_id IS NULL THEN t.tier_entered_at ELSE %(now)s END,
        -- A department's working hours: the due instant per receiving tier, worked out first.
        due_at = CASE WHEN due.next_id IS NULL THEN t.due_at
                      ELSE coalesce((%(next_due)s::jsonb ->> due.next_id::text)::timestamptz,
                                    %(now)s + due.next_within) END,
        breached = due.next_id IS NULL,
        breached_at = CASE WHEN due.next_id IS NULL THEN %(now)s::timestamptz END
    FROM due
    -- The ids as an array as well: the planner then reads those rows by primary key
    -- whatever it guessed the due set to be, instead of merging it with the whole table.
    WHERE t.id = due.id AND t.id = ANY(ARRAY(SELECT id FROM due))
    RETURNING t.id
)
INSERT INTO tickets_handoff ({columns}, chain_hash)
SELECT {columns}, {chain}
FROM (
    SELECT due.id AS ticket_id,
           CASE WHEN due.next_id IS NULL THEN 'breached' ELSE 'escalated' END::varchar AS kind,
           %(now)s::timestamptz AS at, NULL::bigint AS actor_id, due.owner_id AS from_owner_id,
           CASE WHEN due.next_id IS NULL THEN due.owner_id END AS to_owner_id,
           due.tier_id AS from_tier_id, coalesce(due.next_id, due.tier_id) AS to_tier_id,
           due.department_id AS from_department_id, due.department_id AS to_department_id,
           CASE WHEN due.next_id IS NULL
                THEN format('Not resolved within %%s h at the top tier, %%s.',
                            trim_scale(extract(epoch FROM due.tier_within) / 3600), due.tier_name)
                ELSE format('Not resolved within %%s h at %%s.',
                            trim_scale(extract(epoch FROM due.tier_within) / 3600), due.tier_name)
           END AS note,
           %(now)s::timestamptz - due.due_at AS sweep_lateness, NULL::interval AS since_previous,
           due.tier_within AS tier_time, due.due_at,
           CASE WHEN due.owner_id IS NOT NULL THEN %(now)s::timestamptz - due.owned_since END AS held_for,
           due.owner_id AS charged_to_id,
           -- Off shift: the charged person (the owner) has no shifts of their own in the bench,
           -- so the department's working periods around the deadlines decide (24/7: never).
           CASE WHEN due.owner_id IS NULL THEN NULL
                WHEN %(periods)s::jsonb ? due.department_id::text THEN NOT EXISTS (
                    SELECT 1 FROM jsonb_array_elements(%(periods)s::jsonb -> due.department_id::text) p
                    WHERE due.due_at >= (p ->> 0)::timestamptz AND due.due_at < (p ->> 1)::timestamptz)
                ELSE false END AS off_shift,
           %(rules)s::jsonb ->> due.department_id::text AS working_hours,
           due.due_at AS sort_due
    FROM due JOIN moved ON moved.id = due.id
) AS c
ORDER BY c.sort_due, c.ticket_id
"""


def run_sweep(batch_size: int) -> dict:
    from escalation.sweep import escalate_overdue

    result = escalate_overdue(now=SWEEP_AT, batch_size=batch_size)
    return {"escalated": result.escalated, "breached": result.breached, "batches": result.batches}


def run_floor(batch_size: int) -> dict:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        rules, periods = working_time_in_force()
        cur.execute(
            floor_sql(),
            {"now": SWEEP_AT, "next_due": json.dumps(next_due_by_tier()), "rules": rules, "periods": periods},
        )
        rows = cur.rowcount
    return {"rows": rows}


def next_due_by_tier() -> dict[str, str]:
    """{tier id: the due instant of a ticket entering it at SWEEP_AT} for tiers whose
    department has working hours (the others: SWEEP_AT + resolve_within, in SQL)."""
    from departments.deadlines import due_at
    from departments.models import Tier
    from departments.queries import working_hours_by_department

    hours = working_hours_by_department()
    return {
        str(tier.pk): due_at(SWEEP_AT, tier.resolve_within, hours[tier.department_id]).isoformat()
        for tier in Tier.objects.filter(department_id__in=hours)
    }


def working_time_in_force() -> tuple[str, str]:
    """The departments' calendars as the sweep records them ({department id: description})
    and their working periods around the seeded deadlines ({department id: [[start, end]]}),
    as JSON for the floor."""
    from datetime import timedelta

    from departments.calendars import working_periods
    from tickets.shifts import department_calendars

    calendars = department_calendars(department_ids())
    # Every seeded deadline that is due lies within the hour before SWEEP_AT.
    lo, hi = SWEEP_AT - timedelta(hours=2), SWEEP_AT + timedelta(seconds=1)
    rules = {str(pk): text for pk, (_hours, text) in calendars.items()}
    periods = {
        str(pk): [[a.isoformat(), b.isoformat()] for a, b in working_periods(hours, lo, hi)]
        for pk, (hours, _text) in calendars.items()
    }
    return json.dumps(rules), json.dumps(periods)


def department_ids() -> list[int]:
    from departments.models import Department

    return list(Department.objects.values_list("pk", flat=True))


def fingerprint() -> tuple[str, str]:
    """A digest of every ticket's state and every handoff: equal digests, identical work."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            """SELECT md5(string_agg(concat_ws('|', id, tier_id, owner_id, tier_entered_at, due_at,
                                            breached, breached_at, owned_since), ',' ORDER BY id))
               FROM tickets_ticket"""
        )
        tickets = cur.fetchone()[0]
        cur.execute(
            """SELECT md5(string_agg(concat_ws('|', ticket_id, kind, at, actor_id, from_owner_id,
                                            to_owner_id, from_tier_id, to_tier_id, from_department_id,
                                            to_department_id, note, sweep_lateness, tier_time,
                                            due_at, held_for, charged_to_id, off_shift,
                                            working_hours, chain_hash),
                                  ',' ORDER BY ticket_id, id))
               FROM tickets_handoff"""
        )
        handoffs = cur.fetchone()[0]
    return tickets, handoffs


@dataclass
class Measurement:
    seconds: list[float] = field(default_factory=list)
    queries: int = 0
    batches: int = 0
    tracemalloc_peak_mb: float = 0.0
    maxrss_delta_mb: float = 0.0
    fingerprint: tuple[str, str] = ("", "")
    outcome: dict = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def measure(work, *, name: str, seed: str, batch_size: int, repeat: int) -> Measurement:
    """Time ``work`` on ``repeat`` fresh copies of the seed, then once more under tracemalloc."""
    from django.db import connection

    m = Measurement()
    for run in range(repeat + 1):
        recreate_database(name, template=seed)
        use_database(name)
        connection.ensure_connection()
        queries = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        traced = run == repeat
        gc.collect()
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        if traced:
            tracemalloc.start()
        with connection.execute_wrapper(count):
            started = time.perf_counter()
            outcome = work(batch_size)
            elapsed = time.perf_counter() - started
        if traced:
            m.tracemalloc_peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            m.maxrss_delta_mb = (
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
            ) / 1024
            m.fingerprint = fingerprint()
        else:
            m.seconds.append(elapsed)
        m.queries = len(queries)
        m.outcome = outcome
        m.batches = outcome.get("batches", 1)
        use_database("postgres")
    return m


# --- the report --------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        prog="python -m bench.sweep", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--tickets", type=int, default=100_000, help="open tickets to generate")
    parser.add_argument("--due-fraction", type=float, default=0.1, help="share of them already due")
    parser.add_argument(
        "--batch-size", type=int, default=None, help="default: ESCALATION_BATCH_SIZE"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="timed runs of each (median reported)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the bench databases afterwards")
    parser.add_argument(
        "--calendar", action="store_true",
        help="customer service works office hours: deadlines in working time",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args(argv)
    if not 0 < args.due_fraction <= 1:
        parser.error("--due-fraction must be in (0, 1]")
    if args.tickets < 1 or args.repeat < 1:
        parser.error("--tickets and --repeat must be positive")

    configure_django()
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql":
        parser.error("the benchmark needs PostgreSQL: set DATABASE_URL=postgres://...")
    batch_size = args.batch_size or settings.ESCALATION_BATCH_SIZE
    # From the URL, not the connection: an earlier run in this process re-pointed the connection.
    name = environ.Env.db_url_config(os.environ["DATABASE_URL"])["NAME"]
    if name in ("postgres", "template0", "template1"):
        parser.error(f"refusing to benchmark in the {name!r} database: name a throwaway one")
    seed = f"{name}_seed"

    started = time.perf_counter()
    seeded = build_seed(seed, args.tickets, args.due_fraction, calendar=args.calendar)
    seed_seconds = time.perf_counter() - started
    print(
        f"seed: {args.tickets:,} open tickets, {seeded['due']:,} due "
        f"({args.due_fraction:g}); built in {seed_seconds:.1f} s",
        flush=True,
    )
    try:
        sweep = measure(run_sweep, name=name, seed=seed, batch_size=batch_size, repeat=args.repeat)
        floor = measure(run_floor, name=name, seed=seed, batch_size=batch_size, repeat=args.repeat)
    finally:
        use_database("postgres")
        connection.close()
        if not args.keep:
            drop_database(name)
            drop_database(seed)

    moved = sweep.outcome["escalated"] + sweep.outcome["breached"]
    if moved != seeded["due"] or floor.outcome["rows"] != seeded["due"]:
        raise SystemExit(
            f"wrong work: {seeded['due']} due, sweep moved {moved}, floor {floor.outcome['rows']}"
        )
    if sweep.fingerprint != floor.fingerprint:
        raise SystemExit("the sweep and the floor left different tickets or handoffs")

    ratio = sweep.median / floor.median
    report = {
        "calendar": args.calendar,
        "tickets": args.tickets,
        "due": seeded["due"],
        "batch_size": batch_size,
        "sweep": {**asdict(sweep), "median_seconds": sweep.median},
        "floor": {**asdict(floor), "median_seconds": floor.median},
        "ratio": ratio,
        "queries_per_batch": sweep.queries / max(sweep.batches, 1),
    }
    print(
        f"sweep: {sweep.median * 1000:8.1f} ms (median of {args.repeat}), {sweep.queries} queries "
        f"in {sweep.batches} batches of {batch_size} ({report['queries_per_batch']:.1f} per batch), "
        f"{sweep.outcome['escalated']:,} escalated, {sweep.outcome['breached']:,} breached, "
        f"tracemalloc peak {sweep.tracemalloc_peak_mb:.1f} MB, maxrss +{sweep.maxrss_delta_mb:.1f} MB"
    )
    print(
        f"floor: {floor.median * 1000:8.1f} ms (median of {args.repeat}), {floor.queries} query, "
        f"tracemalloc peak {floor.tracemalloc_peak_mb:.1f} MB"
    )
    print(f"ratio sweep/floor: {ratio:.2f}x; identical tickets and handoffs: yes")
    if args.json:
        print(json.dumps(report, indent=2, default=str))
    return report


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
