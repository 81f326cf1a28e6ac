"""The busiest reads never scan the whole ticket table or the whole ledger.

A sequential scan is fast on the few hundred tickets a test holds and ruinous on a million:
a query count stays the same while each query walks everything. So this test gives
PostgreSQL's planner realistic statistics (100,000 tickets over two years, 96 % resolved,
a breached backlog at the top tier and the last day's calls open, two to three ledger
entries each, analysed like a production table), captures the SQL of the screens and
endpoints people use all day, and asks the planner how it would run each statement. Any
plan that reads ``tickets_ticket`` or ``tickets_handoff`` from end to end fails, naming the
screen and the statement. Nothing is timed (docs/benchmarks.md has the timings).
"""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from escalation.sweep import escalate_overdue

pytestmark = pytest.mark.django_db

TICKETS = 100_000
CUSTOMERS = 20_000
FIRST_ID = 1_000_000  # far from the factories' ids
WATCHED = {"tickets_ticket", "tickets_handoff"}

CUSTOMERS_SQL = """
INSERT INTO tickets_customer (id, name, email, phone, external_reference, language, created_at)
SELECT %(first)s + c, 'Customer ' || c, 'customer' || c || '@example.net',
       '+40 7' || lpad(c::text, 8, '0'), '', 'en', %(now)s - interval '800 days'
FROM generate_series(1, %(customers)s) c
"""
# One ticket every 10.5 minutes for two years. Every 25th is in the breached backlog at the
# top tier (a third of it held by the lead); the last 200 calls are open where they were
# logged, one in four waiting in a queue; the rest were resolved two hours after opening.
TICKETS_SQL = """
WITH shaped AS (
    SELECT i, %(now)s - (%(n)s - i) * interval '630 seconds' AS opened_at,
           i %% 10 = 9 AS in_sales, i %% 25 = 0 AS backlog, i > %(n)s - 200 AS recent
    FROM generate_series(1, %(n)s) i
), placed AS (
    SELECT *,
        CASE WHEN in_sales THEN %(sales_t1)s WHEN backlog THEN %(t3)s
             WHEN i %% 10 < 6 THEN %(t1)s WHEN i %% 10 < 8 THEN %(t2)s ELSE %(t3)s END AS tier,
        backlog OR recent AS is_open
    FROM shaped
), owned AS (
    SELECT *,
        CASE WHEN backlog THEN CASE WHEN i %% 3 = 0 THEN %(priya)s END
             WHEN recent AND i %% 4 = 0 THEN NULL
             WHEN tier = %(sales_t1)s THEN %(elena)s
             WHEN tier = %(t1)s THEN CASE WHEN i %% 2 = 0 THEN %(ana)s ELSE %(ravi)s END
             WHEN tier = %(t2)s THEN %(marko)s ELSE %(priya)s END AS owner
    FROM placed
)
INSERT INTO tickets_ticket (
    id, subject, description, customer_id, channel, priority, department_id, tier_id,
    owner_id, status, opened_at, opened_by_id, tier_entered_at, due_at, owned_since,
    resolved_at, resolved_by_id, resolution, resolved_on_first_call, breached, breached_at,
    handoff_count, tiers_visited, last_handoff_at, pause_reason
)
SELECT %(first)s + i, 'Call ' || i, '', %(first)s + 1 + i %% %(customers)s, 'phone', 'normal',
       CASE WHEN in_sales THEN %(sales)s ELSE %(cs)s END, tier, owner,
       CASE WHEN is_open THEN 'open' ELSE 'resolved' END, opened_at, %(ana)s, opened_at,
       opened_at + interval '20 hours', CASE WHEN owner IS NOT NULL THEN opened_at END,
       CASE WHEN NOT is_open THEN opened_at + interval '2 hours' END,
       CASE WHEN NOT is_open THEN owner END,
       CASE WHEN is_open THEN '' ELSE 'Fixed' END, false, backlog,
       CASE WHEN backlog THEN opened_at + interval '60 hours' END,
       0, 1, opened_at, ''
FROM owned
"""
HANDOFFS_SQL = """
INSERT INTO tickets_handoff (ticket_id, kind, at, actor_id, to_owner_id, to_tier_id,
                             to_department_id, note)
SELECT id, 'opened', opened_at, opened_by_id, owner_id, tier_id, department_id, ''
FROM tickets_ticket WHERE id > %(first)s
UNION ALL
SELECT id, 'claimed', opened_at + interval '5 minutes', owner_id, owner_id, tier_id,
       department_id, ''
FROM tickets_ticket WHERE id > %(first)s AND owner_id IS NOT NULL AND id %% 2 = 0
UNION ALL
SELECT id, 'resolved', resolved_at, resolved_by_id, owner_id, tier_id, department_id, ''
FROM tickets_ticket WHERE id > %(first)s AND status = 'resolved'
"""


@pytest.fixture
def call_centre(org):
    assert connection.vendor == "postgresql", "query plans are PostgreSQL's: run on PostgreSQL"
    params = {
        "now": timezone.now(), "n": TICKETS, "customers": CUSTOMERS, "first": FIRST_ID,
        "cs": org.cs.pk, "sales": org.sales.pk,
        "t1": org.t1.pk, "t2": org.t2.pk, "t3": org.t3.pk, "sales_t1": org.sales_t1.pk,
        **{name: getattr(org, name).pk for name in ("ana", "ravi", "marko", "priya", "elena")},
    }
    with connection.cursor() as cursor:
        for sql in (CUSTOMERS_SQL, TICKETS_SQL, HANDOFFS_SQL):
            cursor.execute(sql, params)
        # Rows this transaction wrote count as live for ANALYZE, so the planner sees them.
        cursor.execute("ANALYZE tickets_customer, tickets_ticket, tickets_handoff")
    return org


def _captured(work) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        work()
    return [
        q["sql"] for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("SELECT", "UPDATE", "WITH"))
        and any(table in q["sql"] for table in WATCHED)
    ]


def _seq_scans(node: dict) -> list[str]:
    found = []
    if node.get("Node Type") == "Seq Scan" and node.get("Relation Name") in WATCHED:
        found.append(node["Relation Name"])
    for child in node.get("Plans", ()):
        found += _seq_scans(child)
    return found


def _plan(sql: str) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        raw = cursor.fetchone()[0]
    return (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]


def _screens(org) -> dict:
    def page(user, path, **params):
        def get():
            client = APIClient()
            client.force_login(user)
            response = client.get(path, params)
            assert response.status_code == 200, (path, params, response.status_code)
        return get

    tickets_api = "/api/v1/tickets/"
    return {
        "the front line's home page (own tickets, the queue)": page(org.ana, reverse("home")),
        "a top-tier lead's home page (the backlog, the queue)": page(org.priya, reverse("home")),
        "the managers' list, first page": page(org.andrei, reverse("ticket-list")),
        "the managers' list of one tier": page(org.andrei, reverse("ticket-list"), tier=org.t2.pk),
        "the managers' list of one owner": page(org.andrei, reverse("ticket-list"), owner=org.priya.pk),
        "the managers' list searched by a name": page(org.andrei, reverse("ticket-list"), q="Customer 1234"),
        "the agent's API list": page(org.ana, tickets_api),
        "the agent's API list, most urgent first": page(org.ana, tickets_api, order="due"),
        "the agent's API list of open tickets at tier 3": page(org.ana, tickets_api, status="open", tier=3),
        "the agent's API list of one owner's tickets": page(org.ana, tickets_api, owner="priya"),
        "the escalation sweep": lambda: escalate_overdue(now=timezone.now() + timedelta(minutes=1)),
    }


def test_no_busy_screen_or_the_sweep_reads_the_ticket_table_or_the_ledger_whole(call_centre):
    scans = {}
    explained = 0
    for screen, work in _screens(call_centre).items():
        statements = _captured(work)
        assert statements, f"{screen}: no statement on the tickets or the ledger was captured"
        for sql in statements:
            explained += 1
            if found := _seq_scans(_plan(sql)):
                scans.setdefault(screen, []).append(f"{', '.join(found)} in: {sql[:300]}")
    assert explained >= 20
    assert not scans, "sequential scans:\n" + "\n".join(
        f"- {screen}:\n    " + "\n    ".join(lines) for screen, lines in scans.items()
    )


def test_the_check_itself_finds_a_sequential_scan(call_centre):
    # A filter no index serves: the planner has no way but to read the table whole.
    assert _seq_scans(_plan("SELECT id FROM tickets_ticket WHERE handoff_count + 1 = 7")) == [
        "tickets_ticket"
    ]


def test_the_sweep_reads_its_own_index_of_due_tickets(call_centre):
    # ticket_due_open_idx holds only what the sweep may move (open, not breached, not
    # paused): the breached backlog and the paused tickets are not even read.
    statements = _captured(lambda: escalate_overdue(now=timezone.now() + timedelta(minutes=1)))
    due = [sql for sql in statements if "FOR UPDATE" in sql]
    assert due, statements
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + due[0])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "ticket_due_open_idx" in plan, plan
