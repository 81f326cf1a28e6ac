"""SQL that makes the handoff table append-only, in PostgreSQL and SQLite.

TRUNCATE is refused too, unless the transaction has set ``tierdesk.allow_ledger_truncate``
to ``on`` (only the test harness does, to empty the database between tests).
"""

POSTGRESQL_INSTALL = """
CREATE OR REPLACE FUNCTION tickets_handoff_refuse_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND current_setting('tierdesk.allow_ledger_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the handoff ledger is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER tickets_handoff_append_only
    BEFORE UPDATE OR DELETE ON tickets_handoff
    FOR EACH ROW EXECUTE FUNCTION tickets_handoff_refuse_change();

CREATE TRIGGER tickets_handoff_no_truncate
    BEFORE TRUNCATE ON tickets_handoff
    FOR EACH STATEMENT EXECUTE FUNCTION tickets_handoff_refuse_change();
"""

POSTGRESQL_REMOVE = """
DROP TRIGGER IF EXISTS tickets_handoff_append_only ON tickets_handoff;
DROP TRIGGER IF EXISTS tickets_handoff_no_truncate ON tickets_handoff;
DROP FUNCTION IF EXISTS tickets_handoff_refuse_change();
"""

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
