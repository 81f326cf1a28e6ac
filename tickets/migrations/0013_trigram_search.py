"""Trigram indexes for searching customers and tickets by a piece of a name, phone or subject.

Searches are ``LIKE '%text%'`` (Django's ``icontains`` / ``contains``), which no B-tree can
answer; PostgreSQL's ``pg_trgm`` GIN indexes can, on the same expressions Django writes
(``UPPER(col::text)`` for ``icontains``). SQLite keeps the plain ``LIKE``: the embedded
default holds thousands of tickets, not millions. ``pg_trgm`` is a trusted extension, so the
database's owner may create it without being a superuser.
"""

from django.db import migrations

INDEXES = {
    "customer_name_trgm_idx": "tickets_customer USING gin (UPPER(name::text) gin_trgm_ops)",
    "customer_email_trgm_idx": "tickets_customer USING gin (UPPER(email::text) gin_trgm_ops)",
    "customer_phone_trgm_idx": "tickets_customer USING gin (phone gin_trgm_ops)",
    "ticket_subject_trgm_idx": "tickets_ticket USING gin (UPPER(subject::text) gin_trgm_ops)",
    "ticket_description_trgm_idx": "tickets_ticket USING gin (UPPER(description) gin_trgm_ops)",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("tickets", "0012_open_list_indexes")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
