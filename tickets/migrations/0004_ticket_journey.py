"""The ticket's journey, stored: handoff count, tiers visited, last handoff, holdings.

The actions keep these in step with the ledger from now on; this migration fills them for
the tickets that exist, from their handoffs (portable SQL: PostgreSQL and SQLite).

Handoff.since_previous is new and written with each new row only: the ledger refuses
UPDATE (a trigger), so entries written before this migration keep it empty and the
reports fall back to looking up the previous entry for them.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

BACKFILL = """
UPDATE tickets_ticket SET
    handoff_count = (
        SELECT COUNT(*) FROM tickets_handoff h
        WHERE h.ticket_id = tickets_ticket.id AND h.kind NOT IN ('opened', 'resolved', 'breached')
    ),
    tiers_visited = (
        SELECT COUNT(DISTINCT h.to_tier_id) FROM tickets_handoff h
        WHERE h.ticket_id = tickets_ticket.id
    ),
    -- The latest entry in ledger order (ids: the ticket's row lock serialises its handoffs).
    last_handoff_at = (
        SELECT h.at FROM tickets_handoff h
        WHERE h.ticket_id = tickets_ticket.id ORDER BY h.id DESC LIMIT 1
    )
WHERE EXISTS (SELECT 1 FROM tickets_handoff h WHERE h.ticket_id = tickets_ticket.id)
"""

# Each (ticket, owner, tier) that the ledger ever gave the ticket to, at its first such
# entry in ledger order (the entries that give a ticket to someone: an owner after the
# change, and not the resolution).
HOLDINGS_BACKFILL = """
INSERT INTO tickets_holding (ticket_id, owner_id, tier_id, first_received_at)
SELECT h.ticket_id, h.to_owner_id, h.to_tier_id, h.at
FROM tickets_handoff h
WHERE h.id IN (
    SELECT MIN(r.id) FROM tickets_handoff r
    WHERE r.to_owner_id IS NOT NULL AND r.kind <> 'resolved'
    GROUP BY r.ticket_id, r.to_owner_id, r.to_tier_id
)
"""


class Migration(migrations.Migration):

    dependencies = [
        ('departments', '0002_directory_bulletins'),
        ('tickets', '0003_referrals'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='handoff',
            name='since_previous',
            field=models.DurationField(blank=True, help_text="Time since the ticket's previous ledger entry (how long the ticket had been where it was), written with the row. Empty for an opening, and for entries written before this column existed: readers fall back to the previous entry then.", null=True, verbose_name='since previous entry'),
        ),
        migrations.AddField(
            model_name='ticket',
            name='handoff_count',
            field=models.PositiveIntegerField(db_default=0, default=0, help_text='Changes of hands so far: every ledger entry but the opening, a breach and the resolution.', verbose_name='handoffs'),
        ),
        migrations.AddField(
            model_name='ticket',
            name='last_handoff_at',
            field=models.DateTimeField(blank=True, help_text="When the ticket's latest ledger entry was written (its 'at').", null=True, verbose_name='last handoff'),
        ),
        migrations.AddField(
            model_name='ticket',
            name='tiers_visited',
            field=models.PositiveIntegerField(db_default=1, default=1, help_text='Distinct tiers the ticket has entered, counting the one it was opened at.', verbose_name='tiers visited'),
        ),
        migrations.CreateModel(
            name='Holding',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('first_received_at', models.DateTimeField(verbose_name='first received')),
                ('owner', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('ticket', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='holdings', to='tickets.ticket')),
                ('tier', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='departments.tier')),
            ],
            options={
                'verbose_name': 'holding',
                'verbose_name_plural': 'holdings',
                'indexes': [models.Index(fields=['first_received_at'], name='holding_first_received_idx')],
                'constraints': [models.UniqueConstraint(fields=('ticket', 'owner', 'tier'), name='holding_once_per_tier')],
            },
        ),
        migrations.RunSQL(BACKFILL, reverse_sql=migrations.RunSQL.noop),
        migrations.RunSQL(HOLDINGS_BACKFILL, reverse_sql=migrations.RunSQL.noop),
    ]
