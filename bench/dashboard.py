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


def _lifecycle(rng, ticket_id, opened, dept, tiers, handoffs, responses):
    """Append one ticket's handoffs; return the ticket's final columns."""
    dept_id = dept.pk
    t = opened
    tier, members = tiers[0]
    owner = rng.choice(members)
    handoffs.add(ticket_id, "opened", t, owner, None, owner, None, tier.pk, None, dept_id, "", None)
    state = {"entered": t, "tier": tier, "owner": owner, "breached": False, "breached_at": None}
    for level in range(3):
        tier, members = tiers[level]
        if state["owner"] is None:
            t += timedelta(minutes=rng.randint(1, 120))
            owner = rng.choice(members)
            handoffs.add(
                ticket_id,
                "claimed",
                t,
                owner,
                None,
                owner,
                tier.pk,
                tier.pk,
                dept_id,
                dept_id,
                "",
                None,
            )
            state["owner"] = owner
        roll = rng.random()
        if roll < 0.04:  # still open at the end of the month
            return state, None, None
        if roll < 0.7 or level == 2:
            late = level == 2 and roll > 0.9
            if late:
                due = state["entered"] + tier.resolve_within
                at = due + timedelta(minutes=5)
                handoffs.add(
                    ticket_id,
                    "breached",
                    at,
                    None,
                    owner,
                    owner,
                    tier.pk,
                    tier.pk,
                    dept_id,
                    dept_id,
                    "Out of time.",
                    at - due,
                )
                state["breached"], state["breached_at"] = True, at
                t = at
            t += timedelta(minutes=rng.randint(2, 600))
            handoffs.add(
                ticket_id,
                "resolved",
                t,
                owner,
                owner,
                owner,
                tier.pk,
                tier.pk,
                dept_id,
                dept_id,
                "Sorted.",
                None,
            )
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
            handoffs.add(
                ticket_id,
                "passed",
                t,
                owner,
                owner,
                None,
                tier.pk,
                above.pk,
                dept_id,
                dept_id,
                note,
                None,
            )
        else:
            due = state["entered"] + tier.resolve_within
            t = due + timedelta(minutes=rng.randint(0, 2))
            handoffs.add(
                ticket_id,
                "escalated",
                t,
                None,
                owner,
                None,
                tier.pk,
                above.pk,
                dept_id,
                dept_id,
                "Out of time.",
                t - due,
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
    tickets, handoffs, responses = Rows(), Rows(), Rows()
    span = (month.end - month.start).total_seconds() - 3 * 86400
    for offset in range(count):
        ticket_id = start_id + offset
        dept, tiers = rng.choice(pyramids)
        opened = month.start + timedelta(seconds=rng.randrange(int(span)))
        state, resolved_at, resolver = _lifecycle(
            rng, ticket_id, opened, dept, tiers, handoffs, responses
        )
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
            "previous_ticket_id",
        )
        _copy(
            raw,
            handoffs,
            "tickets_handoff",
            "ticket_id, kind, at, actor_id, from_owner_id, to_owner_id, "
            "from_tier_id, to_tier_id, from_department_id, to_department_id, note, sweep_lateness",
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
    best, queries, size = measure(args.rounds)
    verdict = "OK" if best < 0.5 else "SLOW"
    print(
        f"dashboard, {args.tickets} tickets in October 2026: best of {args.rounds} {best * 1000:.0f} ms, "
        f"{queries} queries, {size // 1024} KiB  [{verdict}: target < 500 ms]"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
