"""Mail is never lost while the broker is down: the outbox keeps it until a worker can send it."""

import time
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from escalation.sweep import escalate_overdue
from outbox import actions as outbox
from outbox.models import OutboundEmail
from tests.escalation.live import CeleryWorker, RedisServer, publishing_to, wait_until
from tests.factories import open_ticket
from tickets.models import Handoff, HandoffKind, Ticket

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.celery_live,
    pytest.mark.slow,
    pytest.mark.timeout(120),
]

# A fixed port below the ephemeral range, used by no other test: the server is restarted on it.
PRIVATE_REDIS_PORT = 6391


@pytest.fixture
def private_redis(tmp_path):
    server = RedisServer(PRIVATE_REDIS_PORT, tmp_path / "redis.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def worker_on_private_redis(tmp_path, private_redis):
    process = CeleryWorker(
        tmp_path,
        broker_url=private_redis.url,
        env={
            "OUTBOX_RETRY_AFTER_SECONDS": "0",
            "OUTBOX_DRAIN_SECONDS": "1",
            # Only the drain matters here; nothing else is due.
            "ESCALATION_SWEEP_SECONDS": "3600",
        },
    )
    yield process
    process.stop()


def test_escalation_email_waits_out_a_broker_outage_and_is_delivered_exactly_once(
    org, private_redis, worker_on_private_redis
):
    ticket = open_ticket(org.ana, subject="Charged twice", now=timezone.now() - timedelta(hours=21))

    with publishing_to(private_redis.url):
        private_redis.stop()  # the outage

        started = time.monotonic()
        # Each batch commits in its own transaction and runs dispatch() on commit for real.
        result = escalate_overdue()
        took = time.monotonic() - started

        email = OutboundEmail.objects.get(kind="escalated")
        assert outbox.dispatch([email.pk]) == 0  # and a direct retry does not raise either

    assert result.escalated == 1
    assert Ticket.objects.get(pk=ticket.pk).tier_id == org.t2.pk
    assert Handoff.objects.filter(ticket=ticket, kind=HandoffKind.ESCALATED).count() == 1
    email.refresh_from_db()
    assert (email.sent_at, email.attempts) == (None, 0)
    assert email.recipients == [org.ioana.email]
    assert mail.outbox == []
    # Publishing fails fast instead of holding the caller for Celery's default retries.
    assert took < 5, f"the sweep waited {took:.1f} s on the dead broker"

    private_redis.start()
    worker_on_private_redis.start()

    def delivered():
        worker_on_private_redis.assert_alive()
        email.refresh_from_db()
        return email.sent_at

    wait_until(delivered, timeout=40, what="the drain to deliver the email")
    # A few more drain ticks: a sent row is never picked up again.
    time.sleep(3)
    worker_on_private_redis.assert_alive()
    email.refresh_from_db()
    assert email.attempts == 1
    [message] = worker_on_private_redis.emails()
    assert org.ioana.email in message
    assert ticket.reference in message
