"""The home page is bounded: with 60 or 2,000 tickets in one person's hands it costs the
same queries and about the same HTML, showing the most urgent few, the total, "See all"."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import CustomerFactory
from tickets.models import Status, Ticket

pytestmark = pytest.mark.django_db


def many_tickets(n, *, tier, owner=None, paused=False, first=0, start=None):
    """``n`` open tickets at ``tier`` in one bulk insert, consistent enough for the screens.

    Due times rise by a minute every three tickets (ties broken by id), numbered from
    ``first`` so a later batch is less urgent than an earlier one. Paused ones waited the
    longer the smaller their number.
    """
    start = start or timezone.now()
    customer = CustomerFactory()
    rows = []
    for i in range(first, first + n):
        entered = start - timedelta(hours=1)
        rows.append(
            Ticket(
                subject=f"Bulk {i}", customer=customer, department_id=tier.department_id,
                tier=tier, owner=owner, status=Status.OPEN, opened_at=entered, opened_by=owner,
                tier_entered_at=entered, due_at=start + timedelta(minutes=10 + i // 3),
                owned_since=entered if owner else None, last_handoff_at=entered,
                handoff_count=1, tiers_visited=1,
                paused_at=start - timedelta(days=3) + timedelta(minutes=i // 3) if paused else None,
                pause_reason="The serial number" if paused else "",
                pause_time_left=timedelta(hours=5) if paused else None,
                pause_expires_at=start + timedelta(days=5) if paused else None,
            )
        )
    return Ticket.objects.bulk_create(rows)


def fill(org, n, first=0, waiting=60):
    """Marko (Specialists) holds ``n`` running tickets and ``waiting`` waiting ones, the
    Specialists' queue holds ``n``, and the manager Andrei holds ``n`` at the front line."""
    many_tickets(n, tier=org.t2, owner=org.marko, first=first)
    many_tickets(waiting, tier=org.t2, owner=org.marko, paused=True, first=first)
    many_tickets(n, tier=org.t2, first=first)
    many_tickets(n, tier=org.t1, owner=org.andrei, first=first)


def measure(client, user):
    client.force_login(user)
    client.get(reverse("home"))  # warm the session
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    return len(response.content), len(ctx.captured_queries), response.content.decode()


def test_home_page_costs_the_same_with_60_and_2000_tickets(client, org, settings):
    settings.TIERDESK_PANEL_SIZE = 50
    fill(org, 60)
    few = {name: measure(client, getattr(org, name)) for name in ("marko", "ioana", "andrei")}
    fill(org, 1940, first=60, waiting=140)
    for name in ("marko", "ioana", "andrei"):
        size_few, queries_few, _html = few[name]
        size_many, queries_many, html = measure(client, getattr(org, name))
        assert queries_many == queries_few, name
        # The same 50 rows: only the totals' digits differ.
        assert abs(size_many - size_few) < 300, (name, size_few, size_many)
        assert html.count('class="ref"') <= 50 * 4, name
    assert "50 of 2,000 tickets" in measure(client, org.marko)[2]
    assert "50 of 200 tickets" in measure(client, org.marko)[2]  # waiting on the customer
    ioana = measure(client, org.ioana)[2]
    assert ioana.count("50 of 2,000 tickets") == 2  # the queue, and the tickets held at the tier
    assert "50 of 200 tickets" in ioana
    assert "50 of 2,000 tickets" in measure(client, org.andrei)[2]


def test_panels_show_the_most_urgent_and_link_to_their_full_lists(client, org, settings):
    settings.TIERDESK_PANEL_SIZE = 5
    mine = many_tickets(7, tier=org.t2, owner=org.marko)
    waiting = many_tickets(6, tier=org.t2, owner=org.marko, paused=True)
    queue = many_tickets(8, tier=org.t2)
    client.force_login(org.ioana)
    html = client.get(reverse("home")).content.decode()
    assert "5 of 8 tickets" in html and reverse("tier-queue", args=[org.t2.pk]) in html
    assert "5 of 7 tickets" in html and reverse("tier-held", args=[org.t2.pk]) in html
    assert "5 of 6 tickets" in html and reverse("tier-held-waiting", args=[org.t2.pk]) in html
    for shown in (queue[:5], mine[:5], waiting[:5]):
        assert all(t.reference in html for t in shown)
    for hidden in (queue[5:], mine[5:], waiting[5:]):
        assert not any(f">{t.reference}<" in html for t in hidden)
    client.force_login(org.marko)
    html = client.get(reverse("home")).content.decode()
    assert reverse("my-tickets") in html and reverse("my-waiting-tickets") in html


def test_a_short_list_has_no_see_all_and_no_count_query(client, org, settings):
    settings.TIERDESK_PANEL_SIZE = 50
    many_tickets(3, tier=org.t2, owner=org.marko)
    client.force_login(org.marko)
    html = client.get(reverse("home")).content.decode()
    assert "See all" not in html
    assert '<span class="count">3</span>' in html


def test_a_huge_list_says_over_the_cap(client, org, settings, monkeypatch):
    from tickets import bounded

    monkeypatch.setattr(bounded, "COUNT_CAP", 10)
    settings.TIERDESK_PANEL_SIZE = 5
    many_tickets(12, tier=org.t2, owner=org.marko)
    client.force_login(org.marko)
    html = client.get(reverse("home")).content.decode()
    assert "5 of over 10 tickets" in html and "over 10" in html
