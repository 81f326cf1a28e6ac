"""Every page that lists tickets costs the same with 60 or 2,000 of them in one person's
hands (and one customer's name): the same queries and about the same HTML. The ticket page
shows a stretch of a long trail, its earlier stretches by link."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.desk.test_home_bounds import fill
from tests.factories import open_ticket
from tickets import actions
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def pages(org) -> list[tuple[str, object, str]]:
    """(name, user, path) of every page whose lists grow with the tickets."""
    some = Ticket.objects.filter(owner=org.marko).order_by("id").first()
    return [
        ("home, an agent", org.marko, reverse("home")),
        ("home, a lead", org.ioana, reverse("home")),
        ("home, a manager", org.andrei, reverse("home")),
        ("my tickets", org.marko, reverse("my-tickets")),
        ("my waiting tickets", org.marko, reverse("my-waiting-tickets")),
        ("a tier's queue", org.ioana, reverse("tier-queue", args=[org.t2.pk])),
        ("held at a tier", org.ioana, reverse("tier-held", args=[org.t2.pk])),
        ("all open tickets", org.andrei, reverse("ticket-list")),
        ("the customer's page", org.marko, reverse("customer-detail", args=[some.customer_id])),
        ("a ticket of that customer", org.marko, reverse("ticket-detail", args=[some.reference])),
        ("the API's list", org.marko, "/api/v1/tickets/"),
        ("the API's list by due time", org.marko, "/api/v1/tickets/?order=due"),
    ]


def measure(client, user, path) -> tuple[int, int]:
    client.force_login(user)
    client.get(path)  # warm the session
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(response.content), len(ctx.captured_queries)


def test_every_list_page_costs_the_same_with_60_and_2000_tickets(client, org, settings):
    settings.TIERDESK_PANEL_SIZE = settings.TIERDESK_PAGE_SIZE = 50
    fill(org, 60)
    # Every bulk batch is one customer's: the same customer now has 60 tickets, later 2,000.
    Ticket.objects.update(customer=Ticket.objects.order_by("id").first().customer)
    few = {name: measure(client, user, path) for name, user, path in pages(org)}
    fill(org, 1940, first=60, waiting=140)
    Ticket.objects.update(customer=Ticket.objects.order_by("id").first().customer)
    for name, user, path in pages(org):
        size_few, queries_few = few[name]
        size_many, queries_many = measure(client, user, path)
        assert queries_many == queries_few, name
        assert abs(size_many - size_few) < 400, (name, size_few, size_many)


def _claimed_and_released(org, times: int):
    """A ticket Marko and Ioana claim and release ``times`` times each, with a note now and then."""
    start = timezone.now() - timedelta(hours=10)
    ticket = open_ticket(org.ana, now=start)
    ticket = actions.do_pass_up(ticket, by=org.ana, note="For the specialists", now=start)
    for n in range(times):
        at = start + timedelta(minutes=2 * n + 1)
        who = org.marko if n % 2 else org.ioana
        ticket = actions.do_claim_ticket(ticket, by=who, now=at)
        if n % 7 == 0:
            actions.do_add_note(ticket, by=who, body=f"Note {n}", now=at)
        ticket = actions.do_release_ticket(ticket, by=who, note="", now=at + timedelta(seconds=30))
    return ticket


def _stretch(client, path):
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    timeline = html.split('id="timeline-h"')[1].split("</ol>")[0]
    texts = re.findall(r'<p class="entry-text">(.*?)</p>', timeline, re.S)
    notes = re.findall(r"<blockquote>(Note \d+)</blockquote>", timeline)
    found = re.search(r'href="(\?cursor=[^"#]+)#timeline-h" rel="next"', html)
    return texts, notes, (unescape(found.group(1)) if found else None)


def test_a_long_trail_is_shown_a_stretch_at_a_time_every_entry_once(client, org, settings):
    settings.TIERDESK_PAGE_SIZE = 20
    ticket = _claimed_and_released(org, 40)  # 2 + 80 handoffs, 6 notes
    client.force_login(org.andrei)
    path = reverse("ticket-detail", args=[ticket.reference])

    stretches, notes, cursor = [], [], ""
    with CaptureQueriesContext(connection) as latest:
        client.get(path)
    while cursor is not None:
        texts, stretch_notes, cursor = _stretch(client, path + cursor)
        stretches.append(texts)
        notes += stretch_notes
        if cursor:
            with CaptureQueriesContext(connection) as earlier:
                client.get(path + cursor)
            # A stretch deep in the trail costs the same, give or take the one read each of
            # people, tiers and departments a stretch may or may not need (core.rows).
            assert len(earlier) <= len(latest) + 3
        else:
            break

    handoff_texts = [t for stretch in stretches for t in stretch if not t.startswith("Internal note")]
    assert sum(1 for t in stretches[0] if not t.startswith("Internal note")) == 20
    assert len(handoff_texts) == ticket.handoffs.count() == 82
    assert sorted(notes, key=lambda n: int(n.split()[1])) == [f"Note {n}" for n in range(0, 40, 7)]
    assert len(set(notes)) == len(notes)  # none shown twice
    assert stretches[-1][0].startswith("Opened by")  # the last stretch starts the story


def test_a_forged_timeline_cursor_is_a_400_naming_it(client, org):
    ticket = open_ticket(org.ana)
    client.force_login(org.ana)
    response = client.get(reverse("ticket-detail", args=[ticket.reference]), {"cursor": "nope"})
    assert response.status_code == 400
    assert "cursor" in response.content.decode()


def test_the_customers_page_lists_their_tickets_a_page_at_a_time(client, org, settings):
    settings.TIERDESK_PAGE_SIZE = 10
    first = open_ticket(org.ana)
    for n in range(24):
        open_ticket(org.ana, customer=first.customer, subject=f"Call {n}",
                    now=timezone.now() - timedelta(minutes=n))
    client.force_login(org.ana)
    path = reverse("customer-detail", args=[first.customer_id])
    seen, query = [], ""
    while True:
        html = client.get(path + query).content.decode()
        assert '<span class="count">25</span>' in html
        seen += re.findall(r">(T-\d+)<", html.split('id="story-h"')[1].split("</ol>")[0])
        found = re.search(r'href="(\?cursor=[^"]+)" rel="next"', html)
        if not found:
            break
        query = unescape(found.group(1))
    newest_first = Ticket.objects.filter(customer=first.customer).order_by("-opened_at", "-id")
    assert seen == [t.reference for t in newest_first]
    ticket_page = client.get(reverse("ticket-detail", args=[first.reference])).content.decode()
    assert "The latest 10 are shown" in ticket_page
