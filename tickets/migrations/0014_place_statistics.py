"""Tell PostgreSQL's planner that a ticket's tier, owner and status go together.

The planner multiplies the selectivities of ``tier_id = t``, ``owner_id IS NULL`` and
``status = 'open'`` as if they were independent. They are not: almost every resolved ticket
sits at its last tier with an owner, almost every unowned one is open. At a million tickets
it guessed a tier's queue at hundreds of thousands of rows and chose a scan of the tier's
tickets over the queue's own index (12 ms instead of 4 ms). Extended statistics (most
common combinations and functional dependencies), refreshed by every ANALYZE, give it the
real proportions. SQLite has no such planner input and needs none at its size.
"""

from django.db import migrations

CREATE = (
    "CREATE STATISTICS IF NOT EXISTS ticket_place_stats (mcv, dependencies)"
    " ON tier_id, owner_id, status FROM tickets_ticket"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP STATISTICS IF EXISTS ticket_place_stats")


class Migration(migrations.Migration):
    dependencies = [("tickets", "0013_trigram_search")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
