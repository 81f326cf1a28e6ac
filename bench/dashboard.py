"""Time the monthly dashboard on PostgreSQL at the size a real call centre reaches.

    python -m bench.dashboard                       # 1,000,000 tickets, 60,000 in the month
    python -m bench.dashboard --tickets 5000 --month-tickets 1000 --rounds 5

Builds the database (DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/tierdesk_bench_reports): two years of tickets ending
with October 2026 (the month Europe/Bucharest turns its clocks back), played in memory by
``bench.history`` exactly as the actions and the sweep would have written them, ledger
facts and journeys included, and loaded with COPY. A database whose marker says it
already holds the requested sizes is reused; any other is dropped and built again (only
one this benchmark built, or an empty one). Then every page a manager opens for the month
is timed through Django's test client (``bench.timing``): the dashboard for all
departments and for one, each CSV, and drill-downs; p50 and p95 against the 500 ms target,
with the number of queries.
"""

import argparse
import os
import sys
import time
from datetime import date

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tierdesk_bench_reports"
GENERATOR_VERSION = 4  # bump when the generated data changes: old databases are rebuilt
LOADED_TABLES = ("tickets_customer", "tickets_ticket", "tickets_handoff", "tickets_holding",
                 "reports_surveyresponse", "tickets_note", "tickets_referral")
STREAMING_FROM = 20_000  # tickets: below this, rows are buffered and COPYed at the end


def setup(database_url: str) -> None:
    """Point Django at ``database_url`` (creating the database), set up once per process."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # The manifest storage needs collectstatic; the benchmark measures queries and templates.
    os.environ.setdefault(
        "STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage"
    )
    os.environ["CELERY_BROKER_URL"] = "memory://"
    # Building and checking a million tickets runs statements far longer than a page's.
    os.environ.setdefault("DATABASE_STATEMENT_TIMEOUT_MS", "0")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django
    import environ
    from django.apps import apps

    config = environ.Env.db_url_config(database_url)
    if not apps.ready:
        django.setup()
    from django.db import connection

    connection.close()
    connection.settings_dict.update({k: config[k] for k in ("NAME", "USER", "HOST", "PORT")})
    connection.settings_dict["PASSWORD"] = config.get("PASSWORD", "")


def _admin(settings_dict):
    from bench.loading import connect

    return connect(settings_dict, "postgres")


def _database_state(settings_dict) -> str:
    """"missing", "ours" (built by this benchmark), "empty" (no tickets) or "foreign"."""
    from bench.loading import MARKER_TABLE, connect

    admin = _admin(settings_dict)
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [settings_dict["NAME"]])
        exists = cursor.fetchone() is not None
    admin.close()
    if not exists:
        return "missing"
    conn = connect(settings_dict)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s), to_regclass('tickets_ticket')", [MARKER_TABLE])
            marker, tickets = cursor.fetchone()
            if marker:
                return "ours"
            if tickets is None:
                return "empty"
            cursor.execute("SELECT EXISTS (SELECT 1 FROM tickets_ticket)")
            return "foreign" if cursor.fetchone()[0] else "empty"
    finally:
        conn.close()


def _recreate(settings_dict) -> None:
    from django.db import connection

    connection.close()
    admin = _admin(settings_dict)
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{settings_dict["NAME"]}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{settings_dict["NAME"]}"')
    admin.close()


# --- generating -------------------------------------------------------------------------


def generate(tickets: int, month_tickets: int, seed: int = 1, *, streaming: bool = False,
             shape: dict | None = None) -> dict:
    """Add ``tickets`` tickets (``month_tickets`` in October 2026) to the current database.

    Buffered (one COPY per table through Django's connection, inside its transaction) unless
    ``streaming``, which loads through separate connections while generating and so needs a
    database nobody else is writing to (``build``). ``shape`` changes the history
    (``bench.load``): ``year``/``month`` of the measured month, ``after_month`` tickets,
    ``now`` (epoch seconds), ``extras``, ``progress`` (a callable).
    """
    from django.db import connection

    from bench import organisation
    from bench.history import TABLES, History, Sizes, local_midnight
    from bench.loading import BufferedSink, StreamingSink
    from tickets.models import Customer, Ticket

    shape = dict(shape or {})
    progress = shape.pop("progress", None)
    history_options = {k: shape.pop(k) for k in ("now", "extras") if k in shape}
    org = organisation.build(month_tickets, local_midnight=local_midnight)
    start_id = (Ticket.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    start_customer = (Customer.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    history = History(org, Sizes(tickets, month_tickets, **shape), start_id=start_id,
                      start_customer=start_customer, seed=seed, **history_options)
    history.progress = progress
    if streaming:
        connection.close()
        sink = StreamingSink(connection.settings_dict, TABLES)
        try:
            stats = history.run(sink)
        finally:
            sink.close()
    else:
        sink = BufferedSink(TABLES)
        stats = history.run(sink)
        with connection.cursor() as cursor:
            sink.copy(cursor.cursor)
    with connection.cursor() as cursor:
        for table in ("tickets_ticket", "tickets_customer"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), MAX(id)) FROM {table}"
            )
        if not streaming:
            cursor.execute("ANALYZE")
    return {**stats, **{f"{t}_rows": n for t, n in sink.counts.items()}}


def build(tickets: int, month_tickets: int, seed: int, *, rebuild: bool = False,
          shape: dict | None = None, wanted_extra: dict | None = None) -> dict:
    """The benchmark database with these sizes: reused when its marker says so, else built.

    ``shape`` goes to ``generate``; ``wanted_extra`` adds what the marker must also match.
    """
    from django.core.management import call_command
    from django.db import connection

    from bench.loading import (
        Marker,
        Stopwatch,
        drop_secondary_indexes,
        lift_statement_timeout,
        run_in_parallel,
    )

    settings_dict = connection.settings_dict
    lift_statement_timeout(settings_dict)
    wanted = {"tickets": tickets, "month_tickets": month_tickets, "seed": seed,
              "version": GENERATOR_VERSION, **(wanted_extra or {})}
    state = _database_state(settings_dict)
    if state == "ours" and not rebuild:
        facts = Marker(settings_dict).read() or {}
        if {k: facts.get(k) for k in wanted} == wanted:
            call_command("migrate", verbosity=0)  # new index migrations, if any
            return {**facts, "reused": True}
    if state == "foreign":
        raise SystemExit(
            f"{settings_dict['NAME']} holds tickets this benchmark did not write: refusing to drop it"
        )
    watch = Stopwatch()
    print(f"building {settings_dict['NAME']}: {tickets:,} tickets, {month_tickets:,} in the month",
          flush=True)
    _recreate(settings_dict)
    call_command("migrate", verbosity=0)
    watch.lap("database and migrations")
    streaming = tickets >= STREAMING_FROM
    indexes = drop_secondary_indexes(settings_dict, LOADED_TABLES) if streaming else []
    stats = generate(tickets, month_tickets, seed, streaming=streaming, shape=shape)
    watch.lap("tickets played and COPYed")
    if indexes:
        run_in_parallel(settings_dict, sorted(indexes, key=_index_cost, reverse=True))
        watch.lap(f"{len(indexes)} indexes built")
        run_in_parallel(settings_dict, [f"VACUUM (ANALYZE) {t}" for t in LOADED_TABLES],
                        setup=("SET maintenance_work_mem = '256MB'",))
        watch.lap("vacuum and analyze")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # the small tables too (people, tiers), as autovacuum would
    problems = check_ledger()
    watch.lap("ledger checked")
    if any(problems.values()):
        raise SystemExit(f"the generated rows disagree with the ledger: {problems}")
    facts = {**wanted, **stats, "build_seconds": round(watch.total, 1), "laps": watch.laps,
             "built_on": date.today().isoformat()}
    Marker(settings_dict).write(facts)
    return {**facts, "reused": False}


def _index_cost(definition: str) -> int:
    return 2 if "tickets_handoff" in definition else 1 if "tickets_ticket" in definition else 0


# --- checking -----------------------------------------------------------------------------

# Tickets whose stored journey differs from their ledger, and handoffs whose since_previous
# differs from the time since the ticket's previous entry (ledger order: ids).
JOURNEY_MISMATCHES_SQL = """
SELECT COUNT(*) FROM tickets_ticket t
JOIN (
    SELECT ticket_id,
           COUNT(*) FILTER (WHERE kind NOT IN ('opened', 'resolved', 'breached')) AS handoff_count,
           COUNT(DISTINCT to_tier_id) AS tiers_visited,
           (ARRAY_AGG(at ORDER BY id DESC))[1] AS last_handoff_at
    FROM tickets_handoff GROUP BY ticket_id
) j ON j.ticket_id = t.id
WHERE (t.handoff_count, t.tiers_visited, t.last_handoff_at)
      IS DISTINCT FROM (j.handoff_count, j.tiers_visited, j.last_handoff_at)
"""
SINCE_PREVIOUS_MISMATCHES_SQL = """
SELECT COUNT(*) FROM (
    SELECT since_previous, at - LAG(at) OVER (PARTITION BY ticket_id ORDER BY id) AS expected
    FROM tickets_handoff
) h
WHERE h.since_previous IS DISTINCT FROM h.expected
"""
# Holdings missing, extra or with another first time than the ledger's first entry giving
# the ticket to that person at that tier.
HOLDING_MISMATCHES_SQL = """
SELECT COUNT(*) FROM (
    SELECT ticket_id, to_owner_id, to_tier_id, (ARRAY_AGG(at ORDER BY id))[1] AS first_at
    FROM tickets_handoff
    WHERE to_owner_id IS NOT NULL AND kind <> 'resolved'
    GROUP BY ticket_id, to_owner_id, to_tier_id
) l
FULL JOIN tickets_holding h
    ON h.ticket_id = l.ticket_id AND h.owner_id = l.to_owner_id AND h.tier_id = l.to_tier_id
WHERE h.first_received_at IS DISTINCT FROM l.first_at
"""
# The state a ticket row claims against its ledger's last entry (owner, tier, department,
# status), and rows pointing at tickets that do not exist (the streaming load skips the
# foreign-key triggers).
STATE_MISMATCHES_SQL = """
SELECT COUNT(*) FROM tickets_ticket t
JOIN LATERAL (
    SELECT kind, to_owner_id, to_tier_id, to_department_id FROM tickets_handoff h
    WHERE h.ticket_id = t.id ORDER BY h.id DESC LIMIT 1
) last ON true
WHERE (t.owner_id, t.tier_id, t.department_id, t.status = 'resolved')
      IS DISTINCT FROM (last.to_owner_id, last.to_tier_id, last.to_department_id,
                        last.kind = 'resolved')
"""
ORPHANS_SQL = """
SELECT (SELECT COUNT(*) FROM tickets_handoff h
        WHERE NOT EXISTS (SELECT 1 FROM tickets_ticket t WHERE t.id = h.ticket_id))
     + (SELECT COUNT(*) FROM tickets_holding h
        WHERE NOT EXISTS (SELECT 1 FROM tickets_ticket t WHERE t.id = h.ticket_id))
     + (SELECT COUNT(*) FROM reports_surveyresponse r
        WHERE NOT EXISTS (SELECT 1 FROM tickets_ticket t WHERE t.id = r.ticket_id))
     + (SELECT COUNT(*) FROM tickets_note n
        WHERE NOT EXISTS (SELECT 1 FROM tickets_ticket t WHERE t.id = n.ticket_id))
     + (SELECT COUNT(*) FROM tickets_referral r
        WHERE NOT EXISTS (SELECT 1 FROM tickets_ticket t WHERE t.id = r.ticket_id))
     + (SELECT COUNT(*) FROM tickets_ticket t
        WHERE NOT EXISTS (SELECT 1 FROM tickets_customer c WHERE c.id = t.customer_id))
"""
# Notes and referrals written outside their ticket's life (before it opened, after it was
# resolved) or in the future.
OUTSIDE_LIFE_SQL = """
SELECT (SELECT COUNT(*) FROM tickets_note n JOIN tickets_ticket t ON t.id = n.ticket_id
        WHERE n.created_at < t.opened_at OR n.created_at > COALESCE(t.resolved_at, now()))
     + (SELECT COUNT(*) FROM tickets_referral r JOIN tickets_ticket t ON t.id = r.ticket_id
        WHERE r.asked_at < t.opened_at OR r.asked_at > COALESCE(t.resolved_at, now())
           OR r.claimed_at > now() OR r.answered_at > now() OR r.answered_at < r.asked_at)
"""


def journey_mismatches() -> tuple[int, int, int]:
    """(tickets, handoffs, holdings) whose stored facts disagree with the ledger replayed in SQL.

    The generator writes the columns tickets/actions.py maintains; if it wrote different
    values the benchmark would time figures the application never shows.
    """
    checks = check_ledger()
    return checks["journeys"], checks["since_previous"], checks["holdings"]


def check_ledger() -> dict[str, int]:
    from django.db import connection

    queries = {
        "journeys": JOURNEY_MISMATCHES_SQL,
        "since_previous": SINCE_PREVIOUS_MISMATCHES_SQL,
        "holdings": HOLDING_MISMATCHES_SQL,
        "state": STATE_MISMATCHES_SQL,
        "orphans": ORPHANS_SQL,
        "outside_life": OUTSIDE_LIFE_SQL,
    }
    result = {}
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '256MB'" if connection.in_atomic_block else "SELECT 1")
        for name, sql in queries.items():
            cursor.execute(sql)
            result[name] = cursor.fetchone()[0]
    return result


# --- the command --------------------------------------------------------------------------


def describe(facts: dict) -> str:
    verb = "reused" if facts.get("reused") else f"built in {facts['build_seconds']:.0f} s"
    return (
        f"database {verb}: {facts['tickets']:,} tickets ({facts['month_tickets']:,} opened in "
        f"October 2026, {facts['open']:,} open), {facts['tickets_handoff_rows']:,} handoffs, "
        f"{facts['tickets_holding_rows']:,} holdings, {facts['reports_surveyresponse_rows']:,} "
        f"survey answers, {facts['tickets_customer_rows']:,} customers"
    )


def run(database_url: str, tickets: int, month_tickets: int, *, seed: int = 1, rounds: int = 7,
        rebuild: bool = False, only: str | None = None) -> list:
    from bench import timing
    from reports.months import Month

    if not database_url.startswith("postgres"):
        raise SystemExit("The dashboard benchmark runs on PostgreSQL: set DATABASE_URL=postgres://...")
    setup(database_url)
    started = time.perf_counter()
    facts = build(tickets, month_tickets, seed, rebuild=rebuild)
    print(describe(facts) + f" (ready in {time.perf_counter() - started:.0f} s)", flush=True)
    from django.contrib.auth import get_user_model

    viewer = get_user_model().objects.get(username="bench-manager-0")
    return timing.measure(viewer.pk, Month(2026, 10), rounds=rounds, only=only)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=1_000_000, help="tickets in the database")
    parser.add_argument("--month-tickets", type=int, default=60_000,
                        help="of which opened in October 2026")
    parser.add_argument("--rounds", type=int, default=7, help="timed runs per page (after a warm-up)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rebuild", action="store_true", help="build even if the marker matches")
    parser.add_argument("--only", help="time only the pages whose label contains this")
    args = parser.parse_args(argv)
    database_url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    figures = run(database_url, args.tickets, args.month_tickets, seed=args.seed,
                  rounds=args.rounds, rebuild=args.rebuild, only=args.only)
    slow = [f.label for f in figures if not f.ok]
    print(f"{len(figures) - len(slow)} of {len(figures)} under the target" +
          (f"; over: {', '.join(slow)}" if slow else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
