"""The clock for real: Celery beat schedules the sweep, a worker runs it and sends the email."""

from datetime import timedelta

import pytest
from django.conf import settings

from departments.models import Tier
from outbox.models import OutboundEmail
from tests.escalation.live import CeleryWorker, flush_redis_db, wait_until
from tests.factories import open_ticket
from tickets.models import Handoff, HandoffKind, Ticket

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.celery_live,
    pytest.mark.slow,
    pytest.mark.timeout(90),
]


@pytest.fixture
def worker(tmp_path):
    """A real worker with embedded beat on the tests' Redis database, sweeping every second."""
    broker_url = settings.CELERY_BROKER_URL
    flush_redis_db(broker_url)
    process = CeleryWorker(
        tmp_path,
        broker_url=broker_url,
        env={"ESCALATION_SWEEP_SECONDS": "1", "OUTBOX_DRAIN_SECONDS": "1"},
    )
    yield process
    # Stopped before pytest-django empties the database, which would wait on its connections.
    process.stop()
    flush_redis_db(broker_url)


def test_beat_and_worker_escalate_a_ticket_when_its_tier_time_runs_out(org, worker):
    Tier.objects.filter(pk=org.t1.pk).update(resolve_within=timedelta(seconds=3))
    org.t1.refresh_from_db()
    ticket = open_ticket(org.ana, subject="Refund never arrived")
    assert ticket.owner_id == org.ana.pk

    worker.start()

    def escalated():
        worker.assert_alive()
        return Handoff.objects.filter(ticket=ticket, kind=HandoffKind.ESCALATED).first()

    handoff = wait_until(escalated, timeout=40, what="the worker to escalate the ticket")
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert (ticket.tier_id, ticket.owner_id) == (org.t2.pk, None)
    assert (handoff.from_owner_id, handoff.from_tier_id, handoff.to_tier_id) == (
        org.ana.pk,
        org.t1.pk,
        org.t2.pk,
    )
    assert handoff.actor_id is None
    assert handoff.at >= ticket.opened_at + timedelta(seconds=3)
    # Beat ticks every second: the sweep ran within a few seconds of the deadline.
    assert handoff.sweep_lateness < timedelta(seconds=10)

    def lead_email():
        worker.assert_alive()
        return [m for m in worker.emails() if org.ioana.email in m]

    [message] = wait_until(lead_email, timeout=20, what="the lead's email file")
    assert ticket.reference in message
    assert org.t2.name in message
    assert OutboundEmail.objects.get(kind="escalated").sent_at is not None
    # Later ticks find nothing more to do: the ticket is due again only in 20 hours.
    assert Handoff.objects.filter(ticket=ticket).count() == 2
