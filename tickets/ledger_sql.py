"""SQL that makes the ledger tables append-only, in PostgreSQL and SQLite.

UPDATE, DELETE and TRUNCATE are refused, unconditionally: no setting lets them through
(a custom setting such as ``tierdesk.allow_ledger_truncate`` can be set by any role, so it
would be honoured in production too). The test harness empties the database between
transactional tests as a superuser with ``SET LOCAL session_replication_role = replica``,
which skips triggers and which PostgreSQL refuses to any non-superuser role. The role
the application runs as is granted only SELECT and INSERT on these tables and does not own
them, so it cannot disable or drop the triggers either (``manage.py grant_app_role``).
"""

# The tables whose rows, once written, never change: the handoffs and the daily seals.
APPEND_ONLY_TABLES = ("tickets_handoff", "tickets_ledgerseal")

POSTGRESQL_FUNCTION = """
CREATE OR REPLACE FUNCTION tickets_handoff_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the % ledger is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

# The triggers of one table ({table}: its name; {short}: the name without the app prefix).
POSTGRESQL_TRIGGERS = """
CREATE TRIGGER {table}_append_only
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION tickets_handoff_refuse_change();

CREATE TRIGGER {table}_no_truncate
    BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION tickets_handoff_refuse_change();
"""

# Kept for migration 0002 (the handoff table alone; 0006 adds the seals' triggers).
POSTGRESQL_INSTALL = POSTGRESQL_FUNCTION + POSTGRESQL_TRIGGERS.format(table="tickets_handoff")

POSTGRESQL_REMOVE = """
DROP TRIGGER IF EXISTS tickets_handoff_append_only ON tickets_handoff;
DROP TRIGGER IF EXISTS tickets_handoff_no_truncate ON tickets_handoff;
DROP FUNCTION IF EXISTS tickets_handoff_refuse_change();
"""

POSTGRESQL_REMOVE_TRIGGERS = """
DROP TRIGGER IF EXISTS {table}_append_only ON {table};
DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};
"""

SQLITE_TRIGGERS = [
    """CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
       BEGIN SELECT RAISE(ABORT, 'the {table} ledger is append-only: UPDATE refused'); END;""",
    """CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
       BEGIN SELECT RAISE(ABORT, 'the {table} ledger is append-only: DELETE refused'); END;""",
]

SQLITE_INSTALL = [
    """CREATE TRIGGER tickets_handoff_no_update BEFORE UPDATE ON tickets_handoff
       BEGIN SELECT RAISE(ABORT, 'the handoff ledger is append-only: UPDATE refused'); END;""",
    """CREATE TRIGGER tickets_handoff_no_delete BEFORE DELETE ON tickets_handoff
       BEGIN SELECT RAISE(ABORT, 'the handoff ledger is append-only: DELETE refused'); END;""",
]

SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS tickets_handoff_no_update;",
    "DROP TRIGGER IF EXISTS tickets_handoff_no_delete;",
]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_INSTALL, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_INSTALL:
            schema_editor.execute(statement)


def remove(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_REMOVE, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_REMOVE:
            schema_editor.execute(statement)


def install_unconditional(apps, schema_editor):
    """Migration 0006: drop the truncate switch from the trigger, and guard the seals."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_FUNCTION, params=None)
        schema_editor.execute(POSTGRESQL_TRIGGERS.format(table="tickets_ledgerseal"), params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_TRIGGERS:
            schema_editor.execute(statement.format(table="tickets_ledgerseal"))


def remove_unconditional(apps, schema_editor):
    """Reverse 0006: the seals lose their triggers; the handoffs' trigger stays strict."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_REMOVE_TRIGGERS.format(table="tickets_ledgerseal"), params=None)
    elif vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS tickets_ledgerseal_no_update;")
        schema_editor.execute("DROP TRIGGER IF EXISTS tickets_ledgerseal_no_delete;")
