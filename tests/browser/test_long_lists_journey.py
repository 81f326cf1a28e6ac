"""A manager pages through a long backlog, and a long trail, in Debian's Chromium."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.test_journeys import WIDE, shoot, sign_in
from tests.factories import build_organisation, open_ticket
from tickets import actions
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_walks_every_open_ticket_and_a_ticket_s_whole_trail(page: Page, live_server, settings):
    settings.TIERDESK_PAGE_SIZE = 10
    org = build_organisation()
    start = timezone.now() - timedelta(hours=3)
    for n in range(23):
        open_ticket(org.ana, subject=f"Backlog {n}", now=start + timedelta(minutes=n))
    long = open_ticket(org.ana, subject="Back and forth", now=start)
    long = actions.do_pass_up(long, by=org.ana, note="For the specialists", now=start)
    for n in range(12):
        at = start + timedelta(minutes=5 * n + 1)
        long = actions.do_claim_ticket(long, by=org.marko, now=at)
        long = actions.do_release_ticket(long, by=org.marko, note=f"Round {n}", now=at + timedelta(minutes=1))
    base = live_server.url
    page.set_viewport_size(WIDE)
    sign_in(page, base, "andrei")

    page.goto(f"{base}/tickets/")
    expect(page.locator("h1 .count")).to_have_text("24")
    seen = []
    while True:
        seen += page.locator("table.tickets tbody a.ref").all_inner_texts()
        following = page.get_by_role("link", name="Next")
        if following.count() == 0:
            break
        following.click()
        expect(page.get_by_role("link", name="First page")).to_be_visible()
    assert seen == [t.reference for t in Ticket.objects.filter(status="open").order_by("due_at", "id")]
    shoot(page, "long-lists-last-page")

    page.goto(f"{base}/tickets/{long.reference}/")
    entries = []
    while True:
        entries = page.locator(".timeline .entry-text").all_inner_texts() + entries
        earlier = page.get_by_role("link", name="Earlier entries")
        if earlier.count() == 0:
            break
        earlier.click()
        expect(page.get_by_role("link", name="Back to the latest entries")).to_be_visible()
    handoffs = long.handoffs.count()
    assert len(entries) == handoffs == 26
    assert entries[0].startswith("Opened by") and re.match("Released by|.*released", entries[-1], re.I)
    shoot(page, "long-lists-first-stretch")
