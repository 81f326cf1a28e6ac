"""A customer answers the satisfaction survey from the emailed link, in Debian's Chromium.

The test client cannot show what a browser does with the page's referrer policy: under
``no-referrer`` Chromium sends ``Origin: null`` with the form POST and Django's CSRF check
refuses it. Only a real browser submitting the real form proves the customer can answer.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from outbox.models import OutboundEmail
from reports.models import SurveyInvitation, SurveyResponse
from tests.browser.test_journeys import PHONE, shoot
from tests.factories import CustomerFactory, build_organisation
from tickets import actions

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LINK = re.compile(r"/survey/(T-\d+)/([A-Za-z0-9_-]+)/")
COMMENT = "Ravi called back the same afternoon. Thank you!"


@pytest.fixture
def resolved(transactional_db):
    """A ticket opened and resolved through the real actions, and the survey link it mailed."""
    org = build_organisation()
    customer = CustomerFactory(name="Mara Pop", email="mara.pop@example.net")
    ticket = actions.do_open_ticket(by=org.ravi, subject="Kettle arrived broken", customer=customer)
    actions.do_resolve_ticket(ticket, by=org.ravi, resolution="Sent a new kettle.")
    email = OutboundEmail.objects.get(kind="survey")
    assert email.recipients == ["mara.pop@example.net"]
    return {"ticket": ticket, "path": LINK.search(email.body).group(0)}


def test_customer_answers_the_survey_from_the_emailed_link_and_the_link_then_closes(
    page: Page, live_server, resolved
):
    ticket = resolved["ticket"]
    link = live_server.url + resolved["path"]
    page.set_viewport_size(PHONE)  # customers mostly open the email on a phone

    opened = page.goto(link)
    assert opened.status == 200
    assert opened.headers["referrer-policy"] == "same-origin"
    expect(page.get_by_role("heading", name="How did we do?")).to_be_visible()
    expect(page.locator(".lede")).to_contain_text(ticket.reference)

    page.get_by_label("4 \u2013 Satisfied").check()
    page.get_by_label("It was fast").check()
    page.get_by_label("The people were friendly").check()
    page.get_by_label("Anything you would like to tell us?").press_sequentially(COMMENT)
    shoot(page, "survey-journey-form")

    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Send my answer").click()
    response = posted.value
    # What Chromium really sent: a real Origin (not "null") is what lets CSRF pass.
    assert response.request.all_headers().get("origin") == live_server.url
    assert response.status == 200, f"the survey POST was refused with {response.status}"

    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    expect(page.locator("main")).to_contain_text(ticket.reference)
    shoot(page, "survey-journey-thanks")

    saved = SurveyResponse.objects.get(ticket=ticket)
    assert (saved.rating, sorted(saved.reasons), saved.comment) == (
        4,
        ["fast", "friendly"],
        COMMENT,
    )
    assert SurveyInvitation.objects.get(ticket=ticket).used_at is not None

    again = page.goto(link)
    assert again.status == 410
    expect(page.get_by_role("heading", name="You have already answered")).to_be_visible()
    expect(page.locator("form")).to_have_count(0)
    assert SurveyResponse.objects.count() == 1
