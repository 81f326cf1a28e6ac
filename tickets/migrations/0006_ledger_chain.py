"""Tamper evidence for the ledger, and a trigger no setting can switch off.

* Handoff.chain_hash: each entry's SHA-256 over its content and the previous entry's hash
  for the same ticket (tickets.ledger). A nullable column without a default: PostgreSQL
  adds it without rewriting a row and SQLite takes its ALTER TABLE ADD COLUMN path, so the
  ledger (which refuses UPDATE) is not touched. Entries written before this migration keep
  it empty: each ticket's chain starts at its first hashed entry.
* handoff_chain_idx (ticket, id): the lookup of a ticket's latest entry, one index probe.
* LedgerSeal: the daily seal over every chain head, append-only like the ledger.
* The append-only trigger function no longer honours ``tierdesk.allow_ledger_truncate``
  (any role could set it). The test harness flushes as a superuser with
  ``session_replication_role = replica`` instead.
"""

from django.db import migrations, models

from tickets import ledger_sql


class Migration(migrations.Migration):

    dependencies = [
        ("tickets", "0005_ledger_facts"),
    ]

    operations = [
        migrations.AddField(
            model_name="handoff",
            name="chain_hash",
            field=models.CharField(
                blank=True, editable=False, max_length=64, null=True, verbose_name="chain hash",
                help_text="SHA-256 (hex) of the entry's content and the previous entry's hash for the same ticket; manage.py verify_ledger recomputes it.",
            ),
        ),
        migrations.AddIndex(
            model_name="handoff",
            index=models.Index(fields=["ticket", "id"], name="handoff_chain_idx"),
        ),
        migrations.CreateModel(
            name="LedgerSeal",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField(help_text="The organisation's calendar day sealed.", unique=True, verbose_name="day")),
                ("sealed_at", models.DateTimeField(verbose_name="sealed at")),
                ("last_handoff_id", models.BigIntegerField(verbose_name="last entry covered")),
                ("tickets", models.PositiveIntegerField(verbose_name="tickets")),
                ("handoffs", models.PositiveIntegerField(verbose_name="hashed entries")),
                ("digest", models.CharField(max_length=64, verbose_name="digest")),
            ],
            options={
                "verbose_name": "ledger seal",
                "verbose_name_plural": "ledger seals",
                "ordering": ["-day"],
            },
        ),
        migrations.RunPython(ledger_sql.install_unconditional, ledger_sql.remove_unconditional),
    ]
