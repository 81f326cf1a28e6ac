"""An index for the dumping report's look-ups of a move's previous ledger entry.

``moves_out`` asks, for each pass and escalation of the month, for the ticket's ledger entry
just before it (``ticket_id = ? AND id < ? ORDER BY id DESC LIMIT 1``) and whether an
earlier entry lies within the quick-pass window. With only (ticket, at) and (ticket) to
use, PostgreSQL fetched and sorted every entry of the ticket for each of ~40,000 moves;
(ticket, id, at) answers both from the index (measured with bench/dashboard.py on
100,000 tickets: the moves aggregate went from ~175 to ~130 ms).

The table belongs to tickets/, but the only reader that needs this order is the reports
app, so the index is created here, idempotently, and dropped when this migration is
reversed. The statement is the same on PostgreSQL and SQLite.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("tickets", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            sql=(
                "CREATE INDEX IF NOT EXISTS reports_handoff_ticket_seq_idx "
                "ON tickets_handoff (ticket_id, id, at)"
            ),
            reverse_sql="DROP INDEX IF EXISTS reports_handoff_ticket_seq_idx",
        ),
    ]
