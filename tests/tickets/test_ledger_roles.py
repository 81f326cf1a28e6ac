"""The role split: the application's database role can add to the ledger, never rewrite it.

Each test creates a role the way production grants it (``manage.py grant_app_role``),
``SET ROLE``s the test's connection to it, and tries what an attacker with the
application's credentials would try. The trigger no longer honours any setting.
"""

import pytest
from django.db import DatabaseError, connection, transaction

from tests.factories import open_ticket
from tickets import actions
from tickets.models import Handoff


def refused(statement: str, match: str) -> None:
    with pytest.raises(DatabaseError, match=match), transaction.atomic(), connection.cursor() as cursor:
        # Foreign keys are deferred: fire their pending checks so TRUNCATE reaches the trigger.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(statement)


@pytest.mark.django_db
def test_the_application_role_writes_handoffs_through_the_actions(org, as_app_role):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == as_app_role
    ticket = open_ticket(org.ana)
    actions.do_release_ticket(ticket, by=org.ana)
    actions.do_claim_ticket(ticket, by=org.ravi)

    assert list(ticket.handoffs.order_by("id").values_list("kind", flat=True)) == ["opened", "released", "claimed"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE tickets_handoff SET note = 'rewritten'",
        "DELETE FROM tickets_handoff",
        "TRUNCATE tickets_handoff CASCADE",
        "UPDATE tickets_ledgerseal SET digest = 'x'",
        "DELETE FROM tickets_ledgerseal",
        "TRUNCATE tickets_ledgerseal",
    ],
)
def test_the_application_role_may_not_update_delete_or_truncate_the_ledger(org, as_app_role, statement):
    open_ticket(org.ana)

    refused(statement, "permission denied")

    assert Handoff.objects.get().note == ""


@pytest.mark.django_db
@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE tickets_handoff DISABLE TRIGGER tickets_handoff_append_only",
        "ALTER TABLE tickets_handoff DISABLE TRIGGER ALL",
        "DROP TRIGGER tickets_handoff_append_only ON tickets_handoff",
        "DROP TRIGGER tickets_handoff_no_truncate ON tickets_handoff",
        "CREATE OR REPLACE FUNCTION tickets_handoff_refuse_change() RETURNS trigger AS $$ BEGIN RETURN NULL; END; $$"
        " LANGUAGE plpgsql",
        "ALTER TABLE tickets_handoff OWNER TO CURRENT_USER",
        "DROP TABLE tickets_handoff CASCADE",
    ],
)
def test_the_application_role_cannot_switch_the_trigger_off(org, as_app_role, statement):
    refused(statement, "must be owner|permission denied")


@pytest.mark.django_db
def test_the_application_role_cannot_skip_triggers_like_the_test_harness(org, as_app_role):
    refused("SET session_replication_role = replica", "permission denied")
    refused("SET LOCAL session_replication_role = replica", "permission denied")


@pytest.mark.django_db
def test_the_application_role_has_what_the_rest_of_the_application_needs(org, as_app_role):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT has_table_privilege('tickets_ticket', 'SELECT, INSERT, UPDATE, DELETE'),"
            " has_table_privilege('tickets_handoff', 'SELECT, INSERT'),"
            " has_table_privilege('tickets_handoff', 'UPDATE'), has_table_privilege('tickets_handoff', 'DELETE'),"
            " has_table_privilege('tickets_handoff', 'TRUNCATE'), has_table_privilege('tickets_handoff', 'TRIGGER'),"
            " has_table_privilege('django_migrations', 'INSERT')"
        )
        assert cursor.fetchone() == (True, True, False, False, False, False, False)


@pytest.mark.django_db
@pytest.mark.parametrize("as_role", [False, True], ids=["superuser", "app role"])
def test_the_old_truncate_switch_lets_nothing_through_for_anyone(org, request, as_role):
    open_ticket(org.ana)
    if as_role:
        request.getfixturevalue("as_app_role")
    with (
        pytest.raises(DatabaseError, match=r"append-only|permission denied"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET LOCAL tierdesk.allow_ledger_truncate = 'on'")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE tickets_handoff CASCADE")

    assert Handoff.objects.count() == 1


@pytest.mark.django_db
def test_the_superuser_meets_the_trigger_itself_not_a_missing_grant(org):
    """The owner has every privilege: the refusal it meets is the trigger's, with no switch."""
    open_ticket(org.ana)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_functiondef('tickets_handoff_refuse_change'::regproc)")
        body = cursor.fetchone()[0]
    assert "allow_ledger_truncate" not in body and "current_setting" not in body

    refused("TRUNCATE tickets_handoff CASCADE", "append-only")


@pytest.mark.django_db
def test_granting_refuses_a_superuser_or_the_owner(org):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="superuser or the tables' owner"):
        call_command("grant_app_role", connection.settings_dict["USER"] or "postgres")
    with pytest.raises(CommandError, match="No role"):
        call_command("grant_app_role", "no_such_role_for_tierdesk")
