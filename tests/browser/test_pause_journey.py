"""The owner waits on the customer in Debian's Chromium, and the customer's answer restarts the clock."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_journeys import WIDE, shoot, sign_in
from tests.factories import build_organisation, open_ticket
from tickets import actions
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_owner_stops_the_clock_and_the_customer_s_answer_restarts_it(page: Page, live_server):
    org = build_organisation()
    ticket = open_ticket(org.ana, subject="Which colour was ordered?")
    actions.do_pass_up(ticket, by=org.ana, note="Needs the order system")
    actions.do_claim_ticket(ticket, by=org.marko)
    ticket.refresh_from_db()
    due_before = ticket.due_at
    base = live_server.url
    page.set_viewport_size(WIDE)
    sign_in(page, base, "marko")
    page.goto(f"{base}/tickets/{ticket.reference}/")

    pause = page.locator("form[action$='/pause/']")
    pause.get_by_label("What did we ask the customer for?").fill("A photo of the label on the box")
    pause.get_by_role("button", name="Stop the clock").click()

    callout = page.locator(".paused-callout")
    expect(callout).to_contain_text("the clock is stopped")
    expect(callout).to_contain_text("A photo of the label on the box")
    expect(page.locator("form[action$='/pause/']")).to_have_count(0)
    shoot(page, "pause-journey-waiting")
    assert Ticket.objects.get().paused_at is not None

    note = page.locator("form[action$='/note/']")
    note.get_by_label("Note").fill("Customer sent the photo: blue, size M.")
    note.get_by_label(re.compile("customer's answer")).check()
    note.get_by_role("button", name="Add note").click()

    expect(page.locator(".paused-callout")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("Customer sent the photo")
    shoot(page, "pause-journey-resumed")
    resumed = Ticket.objects.get()
    assert resumed.paused_at is None
    assert resumed.due_at >= due_before  # the stopped time is given back, never taken
    assert list(resumed.handoffs.order_by("id").values_list("kind", flat=True))[-2:] == ["paused", "resumed"]
