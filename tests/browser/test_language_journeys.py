"""Tierdesk in Croatian, Hindi and Romanian, in Debian's Chromium.

An agent switches language from the header's menu, logs a call and reads the ticket page;
a Hindi-speaking customer answers the survey in Hindi. Screenshots go to test-artifacts/
(language-<code>-*.png), and the tests check that the text really is the translation and
that Devanagari is drawn with the font Tierdesk ships, not a fallback box.
"""

import re

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import Page, expect

from departments.models import StaffPreferences
from outbox.models import OutboundEmail
from reports.models import SurveyResponse
from tests.browser.test_journeys import PHONE, WIDE, shoot, sign_in
from tests.factories import CustomerFactory, build_organisation
from tickets import actions
from tickets.models import Customer, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LINK = re.compile(r"/survey/(T-\d+)/([A-Za-z0-9_-]+)/")
DEVANAGARI = re.compile(r"[\u0900-\u097f]")


def said(language: str, english: str) -> str:
    with translation.override(language):
        return gettext(english)


def devanagari_font_status(page: Page) -> list[str]:
    """The load status of the shipped Devanagari faces once the page's fonts settled."""
    return page.evaluate(
        """async () => { await document.fonts.ready;
            return Array.from(document.fonts)
              .filter(f => f.family.replace(/"/g, '') === 'Tierdesk Devanagari')
              .map(f => f.status); }"""
    )


@pytest.mark.parametrize("language", ["hr", "hi", "ro"])
def test_an_agent_switches_language_logs_a_call_and_reads_the_ticket(page: Page, live_server, language):
    build_organisation()
    base = live_server.url
    page.set_viewport_size(WIDE)
    sign_in(page, base, "ana")  # the browser asks for English

    page.locator("#language").select_option(language)
    page.locator("form.lang button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("header")).to_contain_text(said(language, "Log a call"))
    assert StaffPreferences.objects.get(user__username="ana").language == language
    shoot(page, f"language-{language}-home")

    page.keyboard.press("Alt+l")
    expect(page).to_have_url(f"{base}/call/")
    expect(page.get_by_role("heading", level=1)).to_have_text(said(language, "Log a call"))
    page.locator("#id_name").fill("Đurđa Šimić-Țurcanu")
    page.locator("#id_phone").fill("+385 91 000 0199")
    # A new caller speaks the agent's language unless the agent chooses another.
    expect(page.locator("#id_customer_language")).to_have_value(language)
    page.locator("#id_subject").fill("X200 nije isporučen / nelivrat / डिलीवरी नहीं हुई")
    shoot(page, f"language-{language}-log-call")
    page.get_by_role("button", name=said(language, "Save the call")).click()

    expect(page).to_have_url(re.compile(r"/tickets/T-\d+/"))
    ticket = Ticket.objects.get()
    expect(page.locator("h1")).to_contain_text(ticket.reference)
    expect(page.locator("#timeline-h")).to_have_text(said(language, "Timeline"))
    expect(page.locator("#moves-h")).to_have_text(said(language, "What you can do"))
    expect(page.locator("#customer-h")).to_have_text(said(language, "Customer"))
    assert said(language, "Timeline") != "Timeline"
    assert Customer.objects.get().language == language
    shoot(page, f"language-{language}-ticket")

    # The header's menu names Hindi in Devanagari, so every page draws some with the shipped font.
    assert "loaded" in devanagari_font_status(page)
    if language == "hi":
        assert DEVANAGARI.search(page.locator("#timeline-h").inner_text())


def test_a_hindi_speaking_customer_answers_the_survey_in_hindi(page: Page, live_server):
    org = build_organisation()
    customer = CustomerFactory(name="Ananya Iyer", email="ananya@example.net", language="hi")
    ticket = actions.do_open_ticket(by=org.ravi, subject="Kettle arrived broken", customer=customer)
    actions.do_resolve_ticket(ticket, by=org.ravi, resolution="Sent a new kettle.")
    email = OutboundEmail.objects.get(kind="survey")
    assert DEVANAGARI.search(email.subject) and DEVANAGARI.search(email.body)
    assert ticket.reference in email.body

    page.set_viewport_size(PHONE)
    opened = page.goto(live_server.url + LINK.search(email.body).group(0))  # an English browser
    assert opened.status == 200
    assert opened.headers["content-language"] == "hi"
    expect(page.locator("html")).to_have_attribute("lang", "hi")
    expect(page.get_by_role("heading", level=1)).to_have_text(said("hi", "How did we do?"))
    page.get_by_label(said("hi", "4 – Satisfied")).check()
    page.get_by_label(said("hi", "It was fast")).check()
    page.get_by_label(said("hi", "Anything you would like to tell us?")).fill("बहुत अच्छी सेवा, धन्यवाद!")
    shoot(page, "language-hi-survey")
    assert "loaded" in devanagari_font_status(page)

    page.get_by_role("button", name=said("hi", "Send my answer")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(said("hi", "Thank you!"))
    shoot(page, "language-hi-survey-thanks")
    answer = SurveyResponse.objects.get(ticket=ticket)
    assert (answer.rating, answer.reasons, answer.comment) == (4, ["fast"], "बहुत अच्छी सेवा, धन्यवाद!")
