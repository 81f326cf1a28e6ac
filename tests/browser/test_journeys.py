"""Three journeys through the real UI in Debian's Chromium, against a live server.

The live server shares the (transactional) test database with this process, so the test
can move the clock by calling the sweep itself, as the Celery beat would.
"""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from escalation.sweep import escalate_overdue
from tests.factories import CategoryFactory, CustomerFactory, build_organisation, open_ticket
from tickets import actions
from tickets.models import HandoffKind, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def world(transactional_db):
    org = build_organisation()
    # No email: the survey invitation on resolve is another screen's business.
    customer = CustomerFactory(name="Mara Pop", phone="+40 721 555 010", email="")
    CategoryFactory(
        name="Delivery", intake_checklist="Order number\nDelivery address\nWhen it was expected"
    )
    earlier = open_ticket(org.ravi, customer=customer, subject="Kettle leaks")
    return {"org": org, "customer": customer, "earlier": earlier}


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/")


def shoot(page: Page, name: str) -> None:
    """Save the last page at desk width and at phone width."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size(WIDE)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(ARTIFACTS / f"{name}-390.png"), full_page=True)


def test_agent_logs_a_call_for_a_returning_customer_then_passes_it_up(
    page: Page, live_server, world
):
    base = live_server.url
    page.set_viewport_size(WIDE)
    sign_in(page, base, "ana")
    page.keyboard.press("Alt+l")  # the header link's access key opens "Log a call" from anywhere
    expect(page).to_have_url(f"{base}/call/")
    expect(page.get_by_label("Find the caller by phone, email or name")).to_be_focused()

    page.keyboard.type("555 010")
    pick = page.get_by_role("button", name="Pick Mara Pop")
    expect(pick).to_be_visible()
    expect(page.locator("#caller-results")).to_contain_text("Kettle leaks")
    pick.click()
    expect(page.locator("#customer-block")).to_contain_text("Mara Pop")
    expect(page.locator("#customer-block")).to_contain_text(world["earlier"].reference)
    expect(page.locator("#caller-results")).to_be_empty()
    expect(page.get_by_label("Subject")).to_be_focused()

    page.get_by_label("Follow-up of an earlier ticket").select_option(str(world["earlier"].pk))
    page.get_by_label("What the customer told you").fill("The replacement kettle leaks too.")
    page.get_by_label("Category").select_option(label="Delivery")
    expect(page.locator("#checklist")).to_contain_text("Delivery address")
    page.get_by_label("Subject").fill("Replacement kettle leaks")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "journey-1-log-call.png"))  # must fit one screen
    page.get_by_label("Subject").press("Enter")  # Enter saves the call

    expect(page.locator(".big-ref")).to_be_visible()
    ticket = Ticket.objects.latest("id")
    expect(page.locator(".big-ref")).to_have_text(ticket.reference)
    expect(page.locator(".customer-panel")).to_contain_text("Kettle leaks")

    page.get_by_label("What did you try?").fill("Checked the seal; it still leaks.")
    page.get_by_role("button", name="Pass up").click()
    expect(page.locator(".messages")).to_contain_text("Passed up to the next tier.")
    expect(page.locator(".timeline")).to_contain_text(
        "Passed up from Front line to Specialists by Ana after holding it under a minute: Checked the seal; it still leaks."
    )
    ticket.refresh_from_db()
    assert ticket.tier == world["org"].t2 and ticket.previous_ticket == world["earlier"]
    shoot(page, "journey-1")


def test_escalated_ticket_is_assigned_by_the_lead_and_resolved_by_the_specialist(
    page: Page, live_server, world
):
    base = live_server.url
    org = world["org"]
    ticket = open_ticket(org.ana, customer=world["customer"], subject="Router keeps rebooting")
    result = escalate_overdue(now=timezone.now() + timedelta(hours=21))
    assert result.escalated == 2  # this one and the earlier ticket

    sign_in(page, base, "ioana")
    row = page.locator(f"#queue-row-{ticket.pk}")
    expect(row).to_contain_text("Router keeps rebooting")
    row.get_by_label(f"Assign {ticket.reference} to").select_option(label="Marko")
    row.get_by_role("button", name="Assign").click()
    expect(page.locator(".messages")).to_contain_text("Assigned.")
    expect(page.locator(".owner-group", has_text="Marko")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))

    sign_in(page, base, "marko")
    page.get_by_role("link", name=ticket.reference).first.click()
    page.get_by_label("Resolution").fill("Firmware updated; stable for an hour.")
    page.get_by_role("button", name="Resolve for good").click()
    timeline = page.locator(".timeline")
    for words in (
        "Opened by Ana at Front line",
        "Escalated from Front line to Specialists: not resolved within 20 h (due ",
        "the clock moved it 1 h later. Held by Ana for 21 h.",
        "Assigned to Marko by Ioana",
        "Resolved by Marko: Firmware updated; stable for an hour.",
    ):
        expect(timeline).to_contain_text(words)
    assert list(ticket.handoffs.order_by("id").values_list("kind", flat=True)) == [
        HandoffKind.OPENED,
        HandoffKind.ESCALATED,
        HandoffKind.ASSIGNED,
        HandoffKind.RESOLVED,
    ]
    shoot(page, "journey-2")


def test_two_specialists_claim_the_same_ticket_at_once_and_one_is_told_who_won(
    browser, live_server, world
):
    base = live_server.url
    org = world["org"]
    ticket = actions.do_pass_up(
        open_ticket(org.ana, subject="Two hands, one ticket"), by=org.ana, note="Need a specialist"
    )
    pages = []
    for username in ("marko", "ioana"):
        context = browser.new_context(viewport=WIDE)
        page = context.new_page()
        sign_in(page, base, username)
        pages.append(page)

    buttons = [
        p.locator(f"#queue-row-{ticket.pk}").get_by_role("button", name="Claim") for p in pages
    ]
    for button in buttons:
        button.click(no_wait_after=True)
    rows = [p.locator(f"#queue-row-{ticket.pk}") for p in pages]
    for row in rows:
        expect(row.locator("p[role=status]")).to_be_visible()
    texts = [row.locator("p[role=status]").inner_text() for row in rows]
    ticket.refresh_from_db()
    winner = 0 if ticket.owner == org.marko else 1
    assert "Claimed: it is yours now." in texts[winner]
    assert re.search(r"Already claimed by (Marko|Ioana)\.", texts[1 - winner])
    assert ticket.handoffs.filter(kind=HandoffKind.CLAIMED).count() == 1
    # The loser's page changed only the row, without a reload.
    assert pages[1 - winner].url == f"{base}/"
    shoot(pages[1 - winner], "journey-3")
    for p in pages:
        p.context.close()
