"""Satisfaction surveys: the invitation on resolution and the single-use, expiring link."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from outbox import actions as outbox
from outbox.models import OutboundEmail
from reports.models import SurveyInvitation, SurveyResponse, hash_token
from reports.surveys import survey_valid_for
from tests.factories import CustomerFactory, open_ticket
from tickets import actions

RESOLVED_AT = datetime(2026, 10, 10, 9, 0, tzinfo=UTC)
LINK = re.compile(r"/survey/(T-\d+)/([A-Za-z0-9_-]+)/")


def resolve_with_survey(org, customer=None, when=RESOLVED_AT):
    ticket = open_ticket(org.ana, customer=customer, now=when - timedelta(hours=1))
    actions.do_resolve_ticket(ticket, by=org.ana, resolution="Refunded.", now=when)
    email = OutboundEmail.objects.filter(kind="survey").order_by("-id").first()
    reference, token = LINK.search(email.body).groups()
    return ticket, reference, token


def url(reference, token):
    return reverse("survey", kwargs={"reference": reference, "token": token})


def answer(client, reference, token, **data):
    return client.post(
        url(reference, token), {"rating": "5", "reasons": ["fast", "friendly"], **data}
    )


def test_resolving_a_ticket_queues_a_survey_email_with_a_long_random_token(org):
    ticket, reference, token = resolve_with_survey(org)
    invitation = SurveyInvitation.objects.get(ticket=ticket)
    email = OutboundEmail.objects.get(kind="survey")
    assert email.recipients == [ticket.customer.email]
    assert reference == ticket.reference
    assert len(token) >= 43  # 32 random bytes, base64url: 256 bits
    assert invitation.token_hash == hash_token(token)
    assert token not in invitation.token_hash
    assert invitation.expires_at == RESOLVED_AT + timedelta(days=14)


def test_a_customer_without_an_email_gets_no_survey(org):
    ticket = open_ticket(org.ana, customer=CustomerFactory(email=""))
    actions.do_resolve_ticket(ticket, by=org.ana, resolution="Done.")
    assert not SurveyInvitation.objects.exists()
    assert not OutboundEmail.objects.filter(kind="survey").exists()


def test_the_survey_page_needs_no_login_and_shows_no_staff_navigation(client, org):
    _ticket, reference, token = resolve_with_survey(org)
    with time_machine.travel(RESOLVED_AT + timedelta(days=1), tick=False):
        response = client.get(url(reference, token))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="rating"' in body and 'name="reasons"' in body and 'name="comment"' in body
    assert 'name="viewport"' in body
    assert "Log a call" not in body and "Sign out" not in body
    assert "csrfmiddlewaretoken" in body


def test_an_answer_is_stored_once_and_the_link_then_says_so_kindly(client, org):
    ticket, reference, token = resolve_with_survey(org)
    with time_machine.travel(RESOLVED_AT + timedelta(days=2), tick=False):
        first = answer(client, reference, token, comment="  Quick and kind.  ")
        again = answer(client, reference, token, rating="1")
        reopened = client.get(url(reference, token))
    assert first.status_code == 200 and b"Thank you" in first.content
    saved = SurveyResponse.objects.get(ticket=ticket)
    assert (saved.rating, saved.reasons, saved.comment) == (
        5,
        ["fast", "friendly"],
        "Quick and kind.",
    )
    assert saved.answered_at == RESOLVED_AT + timedelta(days=2)
    assert again.status_code == 410 and b"already answered" in again.content
    assert reopened.status_code == 410
    assert SurveyResponse.objects.count() == 1
    assert SurveyInvitation.objects.get(ticket=ticket).used_at is not None


def test_the_link_works_until_the_instant_before_it_expires(client, org):
    _ticket, reference, token = resolve_with_survey(org)
    expiry = RESOLVED_AT + survey_valid_for()
    with time_machine.travel(expiry - timedelta(seconds=1), tick=False):
        assert client.get(url(reference, token)).status_code == 200
    with time_machine.travel(expiry, tick=False):
        expired = client.get(url(reference, token))
        posted = answer(client, reference, token)
    assert expired.status_code == 410 and b"expired" in expired.content
    assert posted.status_code == 410
    assert not SurveyResponse.objects.exists()


def test_the_validity_period_is_a_setting(client, org, settings):
    settings.TIERDESK_SURVEY_VALID_DAYS = 2
    _ticket, reference, token = resolve_with_survey(org)
    with time_machine.travel(RESOLVED_AT + timedelta(days=3), tick=False):
        assert client.get(url(reference, token)).status_code == 410


def test_a_guessed_token_finds_nothing(client, org):
    ticket, _reference, token = resolve_with_survey(org)
    import secrets

    for guess in (secrets.token_urlsafe(32), token[:-1] + ("A" if token[-1] != "A" else "B"), "x"):
        response = client.get(url(ticket.reference, guess))
        assert response.status_code == 404
        assert b"could not find this survey" in response.content
    assert answer(client, ticket.reference, "nope").status_code == 404
    assert not SurveyResponse.objects.exists()


def test_another_tickets_token_does_not_open_this_tickets_survey(client, org):
    first, _ref1, token1 = resolve_with_survey(org)
    second, _ref2, token2 = resolve_with_survey(org, when=RESOLVED_AT + timedelta(hours=2))
    with time_machine.travel(RESOLVED_AT + timedelta(days=1), tick=False):
        crossed = answer(client, second.reference, token1)
        also_crossed = client.get(url(first.reference, token2))
    assert crossed.status_code == 404 and also_crossed.status_code == 404
    assert not SurveyResponse.objects.exists()
    assert SurveyInvitation.objects.filter(used_at__isnull=False).count() == 0


def test_a_missing_rating_is_a_form_error_naming_the_field(client, org):
    _ticket, reference, token = resolve_with_survey(org)
    with time_machine.travel(RESOLVED_AT + timedelta(days=1), tick=False):
        response = client.post(url(reference, token), {"rating": "9", "comment": "hm"})
    assert response.status_code == 400
    assert response.context["form"].errors.keys() == {"rating"}
    assert not SurveyResponse.objects.exists()


def test_the_survey_form_is_protected_against_cross_site_posts(org):
    from django.test import Client

    _ticket, reference, token = resolve_with_survey(org)
    strict = Client(enforce_csrf_checks=True)
    with time_machine.travel(RESOLVED_AT + timedelta(days=1), tick=False):
        response = strict.post(url(reference, token), {"rating": "5"})
    assert response.status_code == 403
    assert not SurveyResponse.objects.exists()


CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def test_a_browser_post_with_a_null_or_foreign_origin_is_refused_and_ours_is_accepted(org):
    """What Chromium sends: the CSRF cookie and form token, plus an Origin header.

    Under a ``no-referrer`` page policy that Origin is ``null``; it must never be trusted.
    """
    from django.test import Client

    ticket, reference, token = resolve_with_survey(org)
    browser = Client(enforce_csrf_checks=True)
    with time_machine.travel(RESOLVED_AT + timedelta(days=1), tick=False):
        page = browser.get(url(reference, token))
        assert "csrftoken" in browser.cookies
        data = {
            "csrfmiddlewaretoken": CSRF_FIELD.search(page.content.decode()).group(1),
            "rating": "4",
            "reasons": ["fast"],
            "comment": "Kind.",
        }
        for bad_origin in ("null", "https://evil.example"):
            refused = browser.post(url(reference, token), data, headers={"Origin": bad_origin})
            assert refused.status_code == 403, bad_origin
        assert not SurveyResponse.objects.exists()
        accepted = browser.post(
            url(reference, token), data, headers={"Origin": "http://testserver"}
        )
    assert accepted.status_code == 200 and b"Thank you" in accepted.content
    assert SurveyResponse.objects.get(ticket=ticket).rating == 4


def test_every_survey_page_keeps_the_token_on_our_origin(client, org):
    _ticket, reference, token = resolve_with_survey(org)
    with time_machine.travel(RESOLVED_AT + timedelta(days=1), tick=False):
        pages = {
            "form": client.get(url(reference, token)),
            "unknown": client.get(url(reference, "x" * 43)),
            "thanks": answer(client, reference, token),
            "used": client.get(url(reference, token)),
        }
    assert [p.status_code for p in pages.values()] == [200, 404, 200, 410]
    for name, page in pages.items():
        assert page.headers["Referrer-Policy"] == "same-origin", name
        body = page.content.decode()
        assert '<meta name="referrer" content="same-origin">' in body, name
        assert "no-referrer" not in body, name


def test_the_survey_keeps_same_origin_even_if_the_site_wide_policy_is_loosened(org, settings):
    from django.test import Client

    settings.SECURE_REFERRER_POLICY = "unsafe-url"
    _ticket, reference, token = resolve_with_survey(org)
    with time_machine.travel(RESOLVED_AT + timedelta(days=1), tick=False):
        response = Client().get(url(reference, token))
    assert response.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db(transaction=True)
def test_two_answers_sent_at_the_same_moment_store_exactly_one(org):
    import threading

    from django.db import connections

    from reports.surveys import SurveyUnavailable, do_answer_survey

    _ticket, reference, token = resolve_with_survey(org)
    barrier = threading.Barrier(4)
    outcomes = []

    def submit(rating):
        try:
            barrier.wait()
            do_answer_survey(
                reference,
                token,
                rating=rating,
                reasons=[],
                comment="",
                now=RESOLVED_AT + timedelta(days=1),
            )
            outcomes.append("stored")
        except SurveyUnavailable:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(r,)) for r in (1, 2, 3, 4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["refused", "refused", "refused", "stored"]
    assert SurveyResponse.objects.count() == 1


def test_the_sent_survey_email_carries_a_working_link_and_the_outbox_keeps_none(client, org):
    ticket, reference, token = resolve_with_survey(
        org, CustomerFactory(email="c@example.com"), when=timezone.now()
    )
    email = OutboundEmail.objects.filter(kind="survey").latest("id")

    assert outbox.deliver(email.pk) is True

    [sent] = mail.outbox
    assert LINK.search(sent.body).groups() == (reference, token)
    assert "\x02" not in sent.body and "\x03" not in sent.body
    email.refresh_from_db()
    assert token not in email.body and not LINK.search(email.body)
    assert outbox.REDACTED_LINK in email.body
    assert answer(client, *LINK.search(sent.body).groups()).status_code == 200
    assert SurveyResponse.objects.filter(ticket=ticket).count() == 1


@pytest.mark.parametrize("language", ["hr", "hi", "ro"])
def test_every_survey_page_speaks_the_customer_s_language_whatever_the_browser_asks(client, org, language):
    _ticket, reference, token = resolve_with_survey(org, CustomerFactory(language=language))
    link = url(reference, token)

    with time_machine.travel(RESOLVED_AT + timedelta(days=1), tick=False):
        form = client.get(link, HTTP_ACCEPT_LANGUAGE="en")
        invalid = client.post(link, {}, HTTP_ACCEPT_LANGUAGE="en")
        thanks = client.post(link, {"rating": "5"}, HTTP_ACCEPT_LANGUAGE="en")
        closed = client.get(link, HTTP_ACCEPT_LANGUAGE="en")

    assert [r.status_code for r in (form, invalid, thanks, closed)] == [200, 400, 200, 410]
    for page in (form, invalid, thanks, closed):
        assert page.headers["Content-Language"] == language
        assert f'<html lang="{language}">' in page.content.decode()
    assert "How did we do?" not in form.content.decode()
    assert "Thank you!" not in thanks.content.decode()
