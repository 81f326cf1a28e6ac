"""Password guessing is locked out per account and per client address, on the page and the API.

Raw HTTP through the test client: the sign-in page at /accounts/login/ and the token endpoint.
django-axes counts failures in the database (``config.settings``, "Sign-in lockout").
"""

import re
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.db import connections
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.authtoken.models import Token

from core.api.auth import client_address
from tests.factories import UserFactory

TOKEN = "/api/v1/auth/token/"
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
WRONG = "correct username and password"
LOCKED = "Too many failed sign-ins"


@pytest.fixture
def limit(settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    settings.TIERDESK_NUM_PROXIES = 0
    return 5


def sign_in(client, username, password, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def same_page(response, username=""):
    """The answer with what differs by design blanked out: CSRF tokens and the echoed name."""
    html = response.content.decode()
    html = re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]*', r"\1", html)
    html = re.sub(r'("X-CSRFToken": ")[^"]*', r"\1", html)
    if username:
        html = html.replace(f'value="{username}"', 'value=""')
    return response.status_code, html


def fail_until_locked(client, username, limit, **extra):
    answers = [sign_in(client, username, "wrong", **extra) for _ in range(limit)]
    return answers[:-1], answers[-1]


# --- the sign-in page -------------------------------------------------------------------------


def test_wrong_passwords_lock_the_account_and_the_right_password_then_fails_the_same_way(
    client, org, limit
):
    before, last = fail_until_locked(client, "ana", limit)

    assert all(r.status_code == 200 and WRONG in r.content.decode() for r in before)
    assert last.status_code == 429 and LOCKED in last.content.decode()
    right = sign_in(client, "ana", "pw")
    assert same_page(right) == same_page(last)
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("home")).status_code == 302


def test_the_lock_is_per_account_whatever_the_address(client, org, limit):
    for n in range(limit):
        sign_in(client, "ana", "wrong", REMOTE_ADDR=f"198.51.100.{n + 1}")

    elsewhere = sign_in(client, "ana", "pw", REMOTE_ADDR="198.51.100.200")

    assert elsewhere.status_code == 429
    assert sign_in(client, "ravi", "pw", REMOTE_ADDR="198.51.100.201").status_code == 302


def test_a_changed_forwarded_for_header_does_not_reset_the_address_count(client, org, limit):
    answers = [
        sign_in(client, f"guess{n}", "wrong", HTTP_X_FORWARDED_FOR=f"203.0.113.{n + 1}")
        for n in range(limit)
    ]

    assert [a.status_code for a in answers] == [200] * (limit - 1) + [429]
    fresh_name_fresh_header = sign_in(
        client, "ravi", "pw", HTTP_X_FORWARDED_FOR="192.0.2.77"
    )
    assert fresh_name_fresh_header.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


def test_behind_one_proxy_the_last_forwarded_hop_is_the_client(client, org, limit, settings):
    settings.TIERDESK_NUM_PROXIES = 1
    for n in range(limit):
        # The client may write anything on the left; our proxy appends the real address.
        sign_in(client, f"guess{n}", "wrong", HTTP_X_FORWARDED_FOR=f"10.9.9.{n}, 203.0.113.7")

    assert sign_in(
        client, "ravi", "pw", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7"
    ).status_code == 429
    assert sign_in(
        client, "ravi", "pw", HTTP_X_FORWARDED_FOR="203.0.113.7, 203.0.113.8"
    ).status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "127.0.0.1"),
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (2, "203.0.113.9", "203.0.113.9"),
        (1, "not-an-address", "127.0.0.1"),
        (1, "", "127.0.0.1"),
    ],
)
def test_client_address_trusts_only_the_configured_proxies(settings, proxies, forwarded, expected):
    settings.TIERDESK_NUM_PROXIES = proxies
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="127.0.0.1")
    assert client_address(request) == expected


def test_unknown_and_existing_usernames_get_identical_answers_locked_or_not(org, limit):
    existing, unknown = Client(REMOTE_ADDR="198.51.100.1"), Client(REMOTE_ADDR="198.51.100.2")

    existing_before, existing_locked = fail_until_locked(existing, "ana", limit)
    unknown_before, unknown_locked = fail_until_locked(unknown, "nobody", limit)

    for a, b in zip(existing_before, unknown_before, strict=True):
        assert same_page(a, "ana") == same_page(b, "nobody")
    assert same_page(existing_locked) == same_page(unknown_locked)
    assert same_page(sign_in(existing, "ana", "pw")) == same_page(
        sign_in(unknown, "nobody", "pw")
    )


def test_unknown_and_existing_usernames_take_the_same_order_of_time(org, limit, settings):
    """With the production hasher a wrong password costs the same whether the account exists."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    UserFactory(username="slowhash", password="right-one")

    def timed(username, remote):
        started = time.perf_counter()
        sign_in(Client(REMOTE_ADDR=remote), username, "wrong")
        return time.perf_counter() - started

    existing = min(timed("slowhash", f"198.51.100.{n}") for n in range(1, 3))
    unknown = min(timed("nobody-here", f"198.51.100.{n}") for n in range(3, 5))

    assert 1 / 3 < existing / unknown < 3


def test_the_lock_ends_after_the_cool_off(client, org, limit):
    with time_machine.travel(T0, tick=False):
        fail_until_locked(client, "ana", limit)
    with time_machine.travel(T0 + timedelta(minutes=15) - timedelta(seconds=1), tick=False):
        assert sign_in(client, "ana", "pw").status_code == 429
    with time_machine.travel(T0 + timedelta(minutes=15, seconds=1), tick=False):
        assert sign_in(client, "ana", "pw").status_code == 302


def test_attempts_during_the_lock_do_not_extend_it(client, org, limit):
    with time_machine.travel(T0, tick=False):
        fail_until_locked(client, "ana", limit)
    with time_machine.travel(T0 + timedelta(minutes=10), tick=False):
        assert sign_in(client, "ana", "wrong").status_code == 429
    with time_machine.travel(T0 + timedelta(minutes=15, seconds=1), tick=False):
        assert sign_in(client, "ana", "pw").status_code == 302


# --- the token endpoint ----------------------------------------------------------------------


def ask_token(client, username, password, **extra):
    return client.post(
        TOKEN, {"username": username, "password": password}, content_type="application/json",
        **extra,
    )


def test_the_token_endpoint_locks_the_account_too(client, org, limit):
    answers = [ask_token(client, "ana", "wrong") for _ in range(limit)]

    assert [a.status_code for a in answers] == [400] * (limit - 1) + [429]
    right = ask_token(client, "ana", "pw")
    assert right.status_code == 429
    assert right.json() == answers[-1].json()
    assert right.json()["code"] == "locked_out"
    assert not Token.objects.exists()


def test_failures_on_the_api_and_the_page_add_up(client, org, limit):
    for _ in range(limit - 1):
        ask_token(client, "ana", "wrong")
    assert sign_in(client, "ana", "wrong").status_code == 429
    assert ask_token(client, "ana", "pw").status_code == 429


def test_the_token_throttle_counts_the_trusted_address_not_the_header(client, org, limit):
    answers = [
        ask_token(client, "ana", "pw", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}") for n in range(21)
    ]

    assert [a.status_code for a in answers] == [200] * 20 + [429]
    assert answers[-1].json()["code"] == "throttled"


# --- concurrency --------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(120)
def test_concurrent_wrong_attempts_are_each_counted_exactly_once(settings):
    settings.AXES_FAILURE_LIMIT = 1000  # count, do not lock, so every attempt is recorded
    settings.TIERDESK_NUM_PROXIES = 0
    UserFactory(username="target")
    threads_per_round = 12

    for round_ in range(3):
        barrier = threading.Barrier(threads_per_round)
        errors = []

        def attempt(round_=round_, barrier=barrier, errors=errors):
            try:
                client = Client(REMOTE_ADDR=f"198.51.100.{round_ + 1}")
                barrier.wait(timeout=30)
                sign_in(client, f"target{round_}", "wrong")
            except Exception as exc:  # surfaced below; a thread cannot fail the test itself
                errors.append(exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=attempt) for _ in range(threads_per_round)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert errors == []
        attempt_row = AccessAttempt.objects.get(username=f"target{round_}")
        assert attempt_row.failures_since_start == threads_per_round
