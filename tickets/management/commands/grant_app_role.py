"""Grant the application's database role what it needs, and no more (PostgreSQL).

    python manage.py grant_app_role tierdesk_app      # run as the owner, after every migrate

Migrations run as the role that owns the tables; the application runs as another role
that does not own them (an owner could disable or drop the ledger's triggers) and is not a
superuser (a superuser could skip them with ``session_replication_role``). It gets:

* SELECT, INSERT, UPDATE, DELETE on every table of the schema, except
* SELECT, INSERT only on the append-only ledger tables (``tickets_handoff``,
  ``tickets_ledgerseal``) and SELECT only on ``django_migrations``;
* USAGE, SELECT on every sequence; CONNECT on the database, USAGE on the schema.

Idempotent: it revokes what the role had on the schema's tables first, so run it again after
each ``migrate`` (a new table is granted then). docker-compose's ``migrate`` service does.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from tickets.ledger_sql import APPEND_ONLY_TABLES

READ_ONLY_TABLES = ("django_migrations",)


def grant_statements(role: str, schema: str, database: str) -> list[str]:
    q = connection.ops.quote_name
    role, schema_q, database = q(role), q(schema), q(database)
    append_only = ", ".join(f"{schema_q}.{q(t)}" for t in APPEND_ONLY_TABLES)
    read_only = ", ".join(f"{schema_q}.{q(t)}" for t in READ_ONLY_TABLES)
    return [
        f"GRANT CONNECT ON DATABASE {database} TO {role}",
        f"GRANT USAGE ON SCHEMA {schema_q} TO {role}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema_q} FROM {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema_q} TO {role}",
        f"REVOKE UPDATE, DELETE ON {append_only} FROM {role}",
        f"REVOKE INSERT, UPDATE, DELETE ON {read_only} FROM {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema_q} TO {role}",
    ]


def grant_app_role(role: str) -> list[str]:
    """Grant ``role`` the application's privileges on the current database; return the SQL run."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper, pg_has_role(rolname, (SELECT tableowner FROM pg_tables"
            " WHERE tablename = 'tickets_handoff' AND schemaname = current_schema()), 'MEMBER')"
            " FROM pg_roles WHERE rolname = %s",
            [role],
        )
        found = cursor.fetchone()
        if found is None:
            raise CommandError(f"No role {role!r}: create it first (scripts/db/init-roles.sh does).")
        superuser, owns = found
        if superuser or owns:
            raise CommandError(
                f"{role!r} is a superuser or the tables' owner: the application must run as a role"
                " that is neither, or it could switch the ledger's triggers off."
            )
        cursor.execute("SELECT current_schema(), current_database()")
        schema, database = cursor.fetchone()
        statements = grant_statements(role, schema, database)
        with transaction.atomic():
            for statement in statements:
                cursor.execute(statement)
    return statements


class Command(BaseCommand):
    help = "Grant the application's database role its privileges (SELECT, INSERT only on the ledger)."

    def add_arguments(self, parser):
        parser.add_argument("role", help="the role the application connects as (not the tables' owner)")

    def handle(self, *args, role, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Roles are a PostgreSQL matter; the embedded SQLite default has none.")
        for statement in grant_app_role(role):
            self.stdout.write(statement + ";")
        self.stdout.write(self.style.SUCCESS(f"granted {role}"))
