"""Indexes for the monthly figures at a call centre's size (bench/dashboard.py, 1,000,000 tickets).

* ``reports_handoff_received_idx`` on tickets_handoff (at), only the entries that give
  someone the ticket (``people.received_in_month``: an owner after the entry, not a
  resolution), with the columns that figure reads. It has no kind to range over; without
  this PostgreSQL read all 3.7 million ledger rows to find the month's ~105,000, and with
  it they come from the index alone (the ledger is append-only, so its pages stay
  all-visible). Partial on purpose: a plain index on ``at`` drew the month's other
  statements (which filter on kinds) away from the (kind, at) index, to read every entry
  of the month and drop most of them (measured slower, 75 against 51 ms and 80 against 33).
* ``reports_ticket_settled_idx`` on tickets_ticket (COALESCE(resolved_at, 9999-12-31),
  opened_at) with the columns the reports read: ``reports.metrics.flow.settled_at``. "Open at an
  instant" (the backlog, owned at the month's start) and "resolved in the month" are each one
  range over it, answered from the index alone. Without it the backlog (~50,000 open tickets
  scattered over two years of rows) cost one heap page per ticket, and the month's 57,000
  resolutions one heap visit each, in six statements of every dashboard.

The tables belong to tickets/, but only the reports read them this way, so the indexes are
created here (as in 0002). On PostgreSQL they are built CONCURRENTLY, so deploying does not
block the ledger's writes for the minute the build takes on a large database; SQLite (the
embedded default) gets the partial index on ``at`` (it has no INCLUDE).
"""

from django.db import migrations

SETTLED = "COALESCE(resolved_at, '9999-12-31 00:00:00+00'::timestamptz)"
# opened_at is a key column, not only included: "opened before the instant" is then a
# condition of the index itself, so the planner prices the index-only scan below a heap
# scan that combines it with the opened_at index.
SETTLED_COLUMNS = (
    "id, status, resolved_at, last_handoff_at, due_at, tier_id, department_id,"
    " owner_id, resolved_by_id, resolved_on_first_call, customer_id, category_id, channel,"
    " handoff_count, tiers_visited"
)
RECEIVED = "to_owner_id IS NOT NULL AND kind <> 'resolved'"
POSTGRESQL = [
    (
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS reports_handoff_received_idx ON tickets_handoff (at)"
        f" INCLUDE (ticket_id, to_owner_id, to_tier_id, to_department_id) WHERE {RECEIVED}",
        "DROP INDEX CONCURRENTLY IF EXISTS reports_handoff_received_idx",
    ),
    (
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS reports_ticket_settled_idx"
        f" ON tickets_ticket (({SETTLED}), opened_at) INCLUDE ({SETTLED_COLUMNS})",
        "DROP INDEX CONCURRENTLY IF EXISTS reports_ticket_settled_idx",
    ),
]
OTHERS = [
    (
        f"CREATE INDEX IF NOT EXISTS reports_handoff_received_idx ON tickets_handoff (at) WHERE {RECEIVED}",
        "DROP INDEX IF EXISTS reports_handoff_received_idx",
    ),
]


def _run(position: int):
    def run(apps, schema_editor):
        pairs = POSTGRESQL if schema_editor.connection.vendor == "postgresql" else OTHERS
        for pair in pairs:
            schema_editor.execute(pair[position])

    return run


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [
        ("reports", "0003_monthly_summary_figures"),
        ("tickets", "0005_ledger_facts"),
    ]

    operations = [migrations.RunPython(_run(0), _run(1))]
