import os

# Playwright's sync API runs an event loop in the test thread; Django must still allow
# its synchronous ORM there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import pytest
from django.db.backends.postgresql.operations import DatabaseOperations

from tests.factories import build_organisation

_original_execute_sql_flush = DatabaseOperations.execute_sql_flush


def _flush_allowing_ledger_truncate(self, sql_list):
    """Let the test harness empty the ledger tables between transactional tests.

    The append-only triggers stay installed and unconditional. The harness connects as a
    superuser and skips triggers for its own flush transaction only, with a setting that
    PostgreSQL refuses to any other role (the application's role cannot do this).
    """
    if sql_list:
        sql_list = ["SET LOCAL session_replication_role = replica", *sql_list]
    return _original_execute_sql_flush(self, sql_list)


DatabaseOperations.execute_sql_flush = _flush_allowing_ledger_truncate


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters live in the cache: start every test with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in English: a request the test client made in Croatian leaves Croatian
    active in this thread (as Django's LocaleMiddleware does in any worker), and a later test
    must not depend on which ran before it."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def as_app_role(db):
    """Run the rest of the test as a fresh application role, granted as in production.

    Creates a uniquely named role, grants it with ``manage.py grant_app_role`` (SELECT,
    INSERT only on the ledger) and ``SET ROLE``s the test's connection to it. Afterwards the
    connection is the superuser again and the role is gone (also in transactional tests,
    where nothing is rolled back). Yields the role's name.
    """
    import uuid

    from django.db import connection

    from tickets.management.commands.grant_app_role import grant_app_role

    role = f"tierdesk_test_app_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{role}" NOLOGIN NOSUPERUSER NOINHERIT')
    grant_app_role(role)
    with connection.cursor() as cursor:
        cursor.execute(f'SET ROLE "{role}"')
    try:
        yield role
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
            cursor.execute(f'DROP OWNED BY "{role}"')
            cursor.execute(f'DROP ROLE "{role}"')


@pytest.fixture
def org(db):
    """The demo pyramid: customer-service with three tiers and a few other departments."""
    return build_organisation()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "headless": True,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }
