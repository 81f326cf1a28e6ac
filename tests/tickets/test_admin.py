"""The admin shows tickets and the ledger but never changes them."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.factories import open_ticket
from tickets.models import Handoff

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, org):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)
    return client


def test_admin_shows_a_ticket_with_its_handoffs(admin_client, org):
    ticket = open_ticket(org.ana)

    response = admin_client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk]))

    assert response.status_code == 200
    assert b"Opened" in response.content


def test_admin_cannot_add_change_or_delete_tickets_or_handoffs(admin_client, org):
    ticket = open_ticket(org.ana)
    handoff = ticket.handoffs.get()

    assert admin_client.get(reverse("admin:tickets_ticket_add")).status_code == 403
    assert admin_client.post(reverse("admin:tickets_ticket_delete", args=[ticket.pk]), {"post": "yes"}).status_code == 403
    assert admin_client.post(reverse("admin:tickets_handoff_delete", args=[handoff.pk]), {"post": "yes"}).status_code == 403
    admin_client.post(reverse("admin:tickets_ticket_change", args=[ticket.pk]), {"subject": "Changed"})

    ticket.refresh_from_db()
    assert ticket.subject != "Changed"
    assert Handoff.objects.count() == 1


def test_admin_lists_the_organisation(admin_client, org):
    for name in ("department", "tier", "membership", "category"):
        assert admin_client.get(reverse(f"admin:departments_{name}_changelist")).status_code == 200
    for name in ("customer", "ticket", "handoff"):
        assert admin_client.get(reverse(f"admin:tickets_{name}_changelist")).status_code == 200
    for name in ("outbox_outboundemail", "referrals_referral"):
        assert admin_client.get(reverse(f"admin:{name}_changelist")).status_code == 200
