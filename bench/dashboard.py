"""Time the monthly dashboard on PostgreSQL with a month of many tickets.

    python -m bench.dashboard --tickets 100000

Creates the database if it is missing (DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/tierdesk_bench_reports), migrates it, loads a month
(October 2026, with its daylight-saving change) of tickets, handoffs and survey answers
with COPY, then renders the whole dashboard through Django's test client: best of three,
with the number of queries.
"""

import argparse
import io
import os
import random
import sys
import time
from datetime import datetime, timedelta

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tierdesk_bench_reports"
HOUR = timedelta(hours=1)


def _setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # The manifest storage needs collectstatic; the benchmark measures queries and templates.
    os.environ.setdefault(
        "STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage"
    )
    os.environ.setdefault("CELERY_BROKER_URL", "memory://")
    _create_database(database_url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _create_database(database_url: str) -> None:
    import environ
    import psycopg2

    config = environ.Env.db_url_config(database_url)
    admin = psycopg2.connect(
        dbname="postgres",
        user=config["USER"] or "postgres",
        host=config["HOST"] or "127.0.0.1",
        port=config["PORT"] or 5432,
        password=config["PASSWORD"] or None,
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{config["NAME"]}"')
    admin.close()


def _organisation():
    from django.contrib.auth import get_user_model

    from departments.models import Category, Department, Membership, Tier
    from departments.roles import managers_group

    user_model = get_user_model()
    manager, _created = user_model.objects.get_or_create(
        username="bench-manager", defaults={"email": "m@example.com"}
    )
    manager.groups.add(managers_group())
    pyramids = []
    for d in range(3):
        dept, _c = Department.objects.get_or_create(
            slug=f"bench-{d}", defaults={"name": f"Bench department {d}"}
        )
        tiers = []
        for level in (1, 2, 3):
            tier, _c = Tier.objects.get_or_create(
                department=dept, level=level, defaults={"name": f"Tier {level}"}
            )
            members = []
            for i in range(12 if level == 1 else 6):
                user, _c = user_model.objects.get_or_create(username=f"bench-{d}-{level}-{i}")
                Membership.objects.get_or_create(
                    user=user, department=dept, defaults={"tier": tier}
                )
                members.append(user.pk)
            tiers.append((tier, members))
        pyramids.append((dept, tiers))
    categories = [
        Category.objects.get_or_create(slug=f"bench-{i}", defaults={"name": f"Bench {i}"})[0].pk
        for i in range(5)
    ]
    return manager, pyramids, categories


class Rows:
    """Tab-separated rows for COPY, written to a buffer."""

    def __init__(self):
        self.buffer = io.StringIO()

    def add(self, *values):
        self.buffer.write("\t".join(_cell(v) for v in values) + "\n")


def _cell(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return f"{value.total_seconds()} seconds"
    return str(value)


NOT_A_CHANGE_OF_HANDS = {"opened", "resolved", "breached"}


class Journey:
    """One ticket's ledger rows, written with the journey facts the actions would store.

    Each handoff gets ``since_previous`` (time since the ticket's previous entry, empty for
    the opening), the ticket ends with ``handoff_count``, ``tiers_visited`` and
    ``last_handoff_at``, and each (owner, tier) it was given to gets one holding row with
    the first time, exactly as tickets/actions.py keeps them (``journey_mismatches``).
    """

    def __init__(self, handoffs: Rows, ticket_id: int, dept_id: int):
        self.handoffs, self.ticket_id, self.dept_id = handoffs, ticket_id, dept_id
        self.count, self.tiers, self.last_at = 0, set(), None
        self.holdings: dict[tuple[int, int], datetime] = {}

    def add(self, kind, at, actor, from_owner, to_owner, from_tier, to_tier, note, lateness):
        since_previous = None if self.last_at is None else at - self.last_at
        self.handoffs.add(
            self.ticket_id,
            kind,
            at,
            actor,
            from_owner,
            to_owner,
            from_tier,
            to_tier,
            None if kind == "opened" else self.dept_id,
            self.dept_id,
            note,
            lateness,
            since_previous,
        )
        self.count += kind not in NOT_A_CHANGE_OF_HANDS
        self.tiers.add(to_tier)
        self.last_at = at
        if to_owner is not None and kind != "resolved":
            self.holdings.setdefault((to_owner, to_tier), at)

    def add_holdings(self, rows: Rows) -> None:
        for (owner, tier), first_at in self.holdings.items():
            rows.add(self.ticket_id, owner, tier, first_at)


def _lifecycle(rng, journey, opened, tiers, responses):
    """Append one ticket's handoffs; return the ticket's final columns."""
    ticket_id = journey.ticket_id
    t = opened
    tier, members = tiers[0]
    owner = rng.choice(members)
    journey.add("opened", t, owner, None, owner, None, tier.pk, "", None)
    state = {"entered": t, "tier": tier, "owner": owner, "breached": False, "breached_at": None}
    for level in range(3):
        tier, members = tiers[level]
        if state["owner"] is None:
            t += timedelta(minutes=rng.randint(1, 120))
            owner = rng.choice(members)
            journey.add("claimed", t, owner, None, owner, tier.pk, tier.pk, "", None)
            state["owner"] = owner
        roll = rng.random()
        if roll < 0.04:  # still open at the end of the month
            return state, None, None
        if roll < 0.7 or level == 2:
            late = level == 2 and roll > 0.9
            if late:
                due = state["entered"] + tier.resolve_within
                at = due + timedelta(minutes=5)
                journey.add(
                    "breached", at, None, owner, owner, tier.pk, tier.pk, "Out of time.", at - due
                )
                state["breached"], state["breached_at"] = True, at
                t = at
            t += timedelta(minutes=rng.randint(2, 600))
            journey.add("resolved", t, owner, owner, owner, tier.pk, tier.pk, "Sorted.", None)
            if rng.random() < 0.3:
                responses.add(
                    ticket_id,
                    rng.randint(1, 5),
                    rng.random() < 0.5,
                    rng.random() < 0.3,
                    rng.random() < 0.4,
                    rng.random() < 0.2,
                    rng.random() < 0.1,
                    rng.choice(["", "", "Thanks", "Slow"]),
                    t + HOUR,
                )
            state["tier"] = tier
            return state, t, owner
        above, _m = tiers[level + 1]
        if roll < 0.85:
            t += timedelta(minutes=rng.randint(1, 300))
            note = rng.choice(["tried", "Checked the order and the courier; needs the warehouse."])
            journey.add("passed", t, owner, owner, None, tier.pk, above.pk, note, None)
        else:
            due = state["entered"] + tier.resolve_within
            t = due + timedelta(minutes=rng.randint(0, 2))
            journey.add(
                "escalated", t, None, owner, None, tier.pk, above.pk, "Out of time.", t - due
            )
        state.update(entered=t, tier=above, owner=None)
    return state, None, None


def generate(count: int, seed: int = 1) -> None:
    """Load ``count`` tickets opened in October 2026 (if not loaded already)."""
    from django.db import connection

    from reports.months import Month
    from tickets.models import Customer, Ticket

    month = Month(2026, 10)
    if Ticket.objects.filter(opened_at__gte=month.start, opened_at__lt=month.end).count() >= count:
        return
    _manager, pyramids, categories = _organisation()
    rng = random.Random(seed)
    customer = Customer.objects.create(name="Bench customer", email="bench@example.net")
    start_id = (Ticket.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    tickets, handoffs, responses, holdings = Rows(), Rows(), Rows(), Rows()
    span = (month.end - month.start).total_seconds() - 3 * 86400
    for offset in range(count):
        ticket_id = start_id + offset
        dept, tiers = rng.choice(pyramids)
        opened = month.start + timedelta(seconds=rng.randrange(int(span)))
        journey = Journey(handoffs, ticket_id, dept.pk)
        state, resolved_at, resolver = _lifecycle(rng, journey, opened, tiers, responses)
        journey.add_holdings(holdings)
        tier = state["tier"]
        tickets.add(
            ticket_id,
            "Bench ticket",
            "",
            customer.pk,
            rng.choice(["phone", "email", "web", "chat"]),
            rng.choice(categories),
            "normal",
            dept.pk,
            tier.pk,
            state["owner"],
            "resolved" if resolved_at else "open",
            opened,
            None,
            state["entered"],
            state["entered"] + tier.resolve_within,
            resolved_at,
            resolver,
            "Sorted." if resolved_at else "",
            resolved_at is not None and state["entered"] == opened and rng.random() < 0.2,
            state["breached"],
            state["breached_at"],
            None,
            journey.count,
            len(journey.tiers),
            journey.last_at,
        )
    with connection.cursor() as cursor:
        raw = cursor.cursor
        _copy(
            raw,
            tickets,
            "tickets_ticket",
            "id, subject, description, customer_id, channel, category_id, "
            "priority, department_id, tier_id, owner_id, status, opened_at, opened_by_id, tier_entered_at, "
            "due_at, resolved_at, resolved_by_id, resolution, resolved_on_first_call, breached, breached_at, "
            "previous_ticket_id, handoff_count, tiers_visited, last_handoff_at",
        )
        _copy(
            raw,
            handoffs,
            "tickets_handoff",
            "ticket_id, kind, at, actor_id, from_owner_id, to_owner_id, "
            "from_tier_id, to_tier_id, from_department_id, to_department_id, note, sweep_lateness, "
            "since_previous",
        )
        _copy(
            raw,
            holdings,
            "tickets_holding",
            "ticket_id, owner_id, tier_id, first_received_at",
        )
        _copy(
            raw,
            responses,
            "reports_surveyresponse",
            "ticket_id, rating, reason_fast, reason_first_time, "
            "reason_friendly, reason_kept_informed, reason_other, comment, answered_at",
        )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('tickets_ticket', 'id'), MAX(id)) FROM tickets_ticket"
        )
        cursor.execute("ANALYZE")


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


def journey_mismatches() -> tuple[int, int, int]:
    """(tickets, handoffs, holdings) whose stored facts disagree with the ledger replayed in SQL.

    The generator writes the columns tickets/actions.py maintains; if it wrote different
    values the benchmark would time figures the application never shows.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(JOURNEY_MISMATCHES_SQL)
        tickets = cursor.fetchone()[0]
        cursor.execute(SINCE_PREVIOUS_MISMATCHES_SQL)
        handoffs = cursor.fetchone()[0]
        cursor.execute(HOLDING_MISMATCHES_SQL)
        holdings = cursor.fetchone()[0]
    return tickets, handoffs, holdings


def _copy(raw_cursor, rows: Rows, table: str, columns: str) -> None:
    rows.buffer.seek(0)
    raw_cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", rows.buffer)


def measure(rounds: int = 3) -> tuple[float, int, int]:
    """Render the dashboard ``rounds`` times; return (best seconds, queries, bytes)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from departments.roles import managers_group

    manager = managers_group().user_set.order_by("id").first()
    client = Client()
    client.force_login(manager)
    best, queries, size = None, 0, 0
    for _i in range(rounds):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get("/reports/", {"month": "2026-10"})
            elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise SystemExit(f"dashboard answered {response.status_code}")
        best = elapsed if best is None else min(best, elapsed)
        queries, size = len(captured), len(response.content)
    return best, queries, size


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    database_url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not database_url.startswith("postgres"):
        raise SystemExit(
            "The dashboard benchmark runs on PostgreSQL: set DATABASE_URL=postgres://..."
        )
    _setup(database_url)
    started = time.perf_counter()
    generate(args.tickets, args.seed)
    print(f"data ready in {time.perf_counter() - started:.1f} s")
    mismatches = journey_mismatches()
    if any(mismatches):
        tickets, handoffs, holdings = mismatches
        raise SystemExit(
            f"the generated journeys disagree with the ledger: {tickets} tickets, "
            f"{handoffs} handoffs, {holdings} holdings"
        )
    best, queries, size = measure(args.rounds)
    verdict = "OK" if best < 0.5 else "SLOW"
    print(
        f"dashboard, {args.tickets} tickets in October 2026: best of {args.rounds} {best * 1000:.0f} ms, "
        f"{queries} queries, {size // 1024} KiB  [{verdict}: target < 500 ms]"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
