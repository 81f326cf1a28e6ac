import os

# Playwright's sync API runs an event loop in the test thread; Django must still allow
# its synchronous ORM there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import pytest
from django.db.backends.postgresql.operations import DatabaseOperations

from tests.factories import build_organisation

_original_execute_sql_flush = DatabaseOperations.execute_sql_flush


def _flush_allowing_ledger_truncate(self, sql_list):
    """Let the test harness empty the handoff table between transactional tests.

    The append-only trigger stays installed and refuses TRUNCATE everywhere else; only
    this flush sets the transaction-local switch the trigger checks.
    """
    if sql_list:
        sql_list = ["SET LOCAL tierdesk.allow_ledger_truncate = 'on'", *sql_list]
    return _original_execute_sql_flush(self, sql_list)


DatabaseOperations.execute_sql_flush = _flush_allowing_ledger_truncate


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters live in the cache: start every test with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


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
