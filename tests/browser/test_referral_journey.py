"""A question to another department, through the real UI in Debian's Chromium: the agent asks
order intake from the ticket, order intake answers from its queue, the agent reads the
answer on the ticket and resolves it."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from departments.models import Department
from referrals.models import Referral
from tests.browser.test_journeys import PHONE, WIDE, sign_in
from tests.factories import (
    CustomerFactory,
    MembershipFactory,
    TierFactory,
    UserFactory,
    build_organisation,
    open_ticket,
)
from tickets.models import HandoffKind, Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
QUESTION = "Which items of order 4471 are out of stock, and what replaces them?"
ANSWER = "Items 2 and 5. The X210 kettle replaces item 5; item 2 is back on Friday."


@pytest.fixture
def world(transactional_db):
    org = build_organisation()
    intake = Department.objects.create(
        slug="order-intake",
        name="Order intake",
        description="Entering, changing and cancelling orders.",
    )
    vikram = UserFactory(username="vikram")
    MembershipFactory(user=vikram, tier=TierFactory(department=intake, level=1, name="Order desk"))
    customer = CustomerFactory(name="Mara Pop", email="")
    ticket = open_ticket(org.ana, customer=customer, subject="Some items are out of stock")
    return {"org": org, "ticket": ticket}


def test_agent_asks_order_intake_who_answers_from_its_queue_and_the_agent_resolves(
    browser, live_server, world
):
    base = live_server.url
    ticket = world["ticket"]
    ana_page: Page = browser.new_context(viewport=WIDE).new_page()
    sign_in(ana_page, base, "ana")
    ana_page.goto(f"{base}/tickets/{ticket.reference}/")

    # "Who can help?" opens the directory; "Ask Order intake" comes back with it chosen.
    ana_page.get_by_role("link", name="Who can help?").click()
    expect(ana_page.get_by_role("heading", name="Order intake")).to_be_visible()
    ana_page.get_by_role("link", name="Ask Order intake").click()
    expect(ana_page.get_by_label("Ask which department?")).to_have_value(
        str(Department.objects.get(slug="order-intake").pk)
    )
    ana_page.get_by_label("Your question").fill(QUESTION)
    ana_page.get_by_role("button", name="Ask", exact=True).click()
    expect(ana_page.locator(".messages")).to_contain_text("Asked Order intake.")
    expect(ana_page.locator(".timeline")).to_contain_text("Asked Order intake: " + QUESTION)
    expect(ana_page.locator("#referrals")).to_contain_text("Waiting for an answer")

    vikram_page: Page = browser.new_context(viewport=WIDE).new_page()
    sign_in(vikram_page, base, "vikram")
    vikram_page.get_by_role("link", name="Referrals").click()
    referral = Referral.objects.get()
    card = vikram_page.locator(f"#referral-card-{referral.pk}")
    expect(card).to_contain_text(QUESTION)
    card.get_by_role("button", name="Take it").click()  # htmx swaps the card in place
    expect(card).to_contain_text("Taken: it is yours to answer.")
    card.get_by_label(f"Your answer on {ticket.reference}").fill(ANSWER)
    card.get_by_role("button", name="Send the answer").click()
    expect(vikram_page.locator(".messages")).to_contain_text(
        f"Answered. Ana sees it on {ticket.reference}."
    )

    ana_page.reload()
    timeline = ana_page.locator(".timeline")
    expect(timeline).to_contain_text("Order intake (Vikram) answered: " + ANSWER)
    expect(ana_page.locator("#referrals")).to_contain_text("Answered")
    ana_page.get_by_label("Resolution").fill(
        "Told Mara: X210 instead of item 5, item 2 ships Friday."
    )
    ana_page.get_by_role("button", name="Resolve for good").click()
    expect(timeline).to_contain_text("Resolved by Ana")

    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED and ticket.owner == world["org"].ana
    # Asking and answering moved nothing: opened, then resolved.
    assert list(ticket.handoffs.order_by("id").values_list("kind", flat=True)) == [
        HandoffKind.OPENED,
        HandoffKind.RESOLVED,
    ]
    ARTIFACTS.mkdir(exist_ok=True)
    ana_page.screenshot(path=str(ARTIFACTS / "referral-journey.png"), full_page=True)
    ana_page.set_viewport_size(PHONE)
    ana_page.screenshot(path=str(ARTIFACTS / "referral-journey-390.png"), full_page=True)
