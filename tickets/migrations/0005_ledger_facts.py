"""The facts of the moment on each ledger entry, and when the current owner got the ticket.

Handoff.tier_time, due_at, held_for and charged_to are written with each new entry from
now on. The ledger refuses UPDATE (the trigger of 0002), so the entries that exist keep
them empty: no statement here touches tickets_handoff beyond adding nullable columns
without a default (PostgreSQL adds those without rewriting a row; SQLite takes its
ALTER TABLE ADD COLUMN path, so the table and its triggers are not rebuilt).

Ticket.owned_since is filled for the tickets somebody owns, from their ledger: the time
of the latest entry that gave the ticket to its current owner (tickets are not
append-only). Portable SQL: PostgreSQL and SQLite.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# The entry that made the current owner the owner: the latest one (in ledger order, ids)
# that hands the ticket to them from someone else or from nobody. Breach marks and the
# resolution keep the owner (from = to), so they are skipped.
OWNED_SINCE_BACKFILL = """
UPDATE tickets_ticket SET owned_since = (
    SELECT h.at FROM tickets_handoff h
    WHERE h.ticket_id = tickets_ticket.id
      AND h.to_owner_id = tickets_ticket.owner_id
      AND (h.from_owner_id IS NULL OR h.from_owner_id <> h.to_owner_id)
    ORDER BY h.id DESC LIMIT 1
)
WHERE owner_id IS NOT NULL
"""


class Migration(migrations.Migration):

    dependencies = [
        ('tickets', '0004_ticket_journey'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='handoff',
            name='charged_to',
            field=models.ForeignKey(blank=True, help_text='Escalations and breaches only: the person the time-out is charged to (tickets.responsibility). Empty for an unowned time-out.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='time-out charged to'),
        ),
        migrations.AddField(
            model_name='handoff',
            name='due_at',
            field=models.DateTimeField(blank=True, help_text="The ticket's deadline at that tier when the entry was written (for an opening, the deadline it was given).", null=True, verbose_name='due at the time'),
        ),
        migrations.AddField(
            model_name='handoff',
            name='held_for',
            field=models.DurationField(blank=True, help_text='How long the previous owner had held the ticket this time (at minus their owned-since). Empty when nobody owned it before the move.', null=True, verbose_name='held for'),
        ),
        migrations.AddField(
            model_name='handoff',
            name='tier_time',
            field=models.DurationField(blank=True, help_text='The resolve-within time in force for the tier whose clock was running when the entry was written (the tier before the move; for an opening, the tier entered).', null=True, verbose_name="tier's time"),
        ),
        migrations.AddField(
            model_name='ticket',
            name='owned_since',
            field=models.DateTimeField(blank=True, help_text='When the current owner received the ticket (the time of the entry that made them its owner). Empty while nobody owns it.', null=True, verbose_name='owned since'),
        ),
        migrations.RunSQL(OWNED_SINCE_BACKFILL, reverse_sql=migrations.RunSQL.noop),
    ]
