"""Which language a page, the API and an email speak (core.languages and its middleware)."""

import pytest
from django.test import Client
from django.utils import translation

from core import languages
from core.errors import InvalidInput
from departments.models import StaffPreferences
from tests.tickets.api_helpers import at_tier_two, client_for, url


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("hr-HR,hr;q=0.9,en;q=0.8", "hr"),
        ("ro", "ro"),
        ("de-DE,hi;q=0.5", "hi"),
        ("de-DE,fr;q=0.9", "en"),
        ("", "en"),
        ("*", "en"),
        ("x" * 5000, "en"),
    ],
)
def test_the_first_language_of_accept_language_tierdesk_speaks_wins(header, expected):
    assert languages.from_accept_language(header) == expected


def test_only_an_offered_language_code_passes_the_check():
    assert languages.check("hr", field="language") == "hr"
    for bad in ("hr-HR", "de", "", None, 7, "\x00"):
        with pytest.raises(InvalidInput) as refused:
            languages.check(bad, field="language")
        assert refused.value.field == "language"


# --- pages -----------------------------------------------------------------------------


def test_a_page_follows_the_browser_until_the_menu_chooses(org, client):
    client.force_login(org.ana)
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="hr")
    assert page.headers["Content-Language"] == "hr"
    assert '<html lang="hr">' in page.content.decode()

    chosen = client.post("/i18n/setlang/", {"language": "ro", "next": "/tickets/"}, HTTP_ACCEPT_LANGUAGE="hr")

    assert chosen.status_code == 302 and chosen.headers["Location"] == "/tickets/"
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="hr").headers["Content-Language"] == "ro"
    assert StaffPreferences.objects.get(user=org.ana).language == "ro"


def test_the_choice_comes_back_at_the_next_sign_in_on_another_browser(org):
    org.ana.set_password("pw-for-the-test")
    org.ana.save()
    StaffPreferences.objects.create(user=org.ana, language="hi")
    browser = Client()

    browser.post("/accounts/login/", {"username": "ana", "password": "pw-for-the-test"})

    page = browser.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.headers["Content-Language"] == "hi"


def test_an_anonymous_visitor_s_choice_lasts_for_their_session(db, client):
    client.post("/i18n/setlang/", {"language": "hr", "next": "/accounts/login/"})
    login = client.get("/accounts/login/")
    assert login.headers["Content-Language"] == "hr"
    assert StaffPreferences.objects.count() == 0
    assert Client().get("/accounts/login/").headers["Content-Language"] == "en"


@pytest.mark.parametrize("bad", ["de", "hr-HR", "", "x" * 300])
def test_a_language_tierdesk_does_not_speak_is_refused_and_nothing_changes(org, client, bad):
    client.force_login(org.ana)
    refused = client.post("/i18n/setlang/", {"language": bad})
    assert refused.status_code == 400
    assert "language" in refused.content.decode()
    assert not StaffPreferences.objects.filter(user=org.ana).exists()


def test_the_menu_never_sends_anyone_to_another_site(db, client):
    away = client.post("/i18n/setlang/", {"language": "hr", "next": "https://evil.example/"})
    assert away.headers["Location"] == "/"


def test_the_menu_only_answers_a_post(client):
    assert client.get("/i18n/setlang/?language=hr").status_code == 405


def test_preferences_change_the_language_or_give_it_back_to_the_browser(org, client):
    client.force_login(org.ana)
    client.post("/preferences/", {"weekly_digest": "on", "language": "hr"})
    assert StaffPreferences.objects.get(user=org.ana).language == "hr"
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="ro").headers["Content-Language"] == "hr"

    client.post("/preferences/", {"weekly_digest": "on", "language": ""})
    assert StaffPreferences.objects.get(user=org.ana).language == ""
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="ro").headers["Content-Language"] == "ro"


# --- the API ---------------------------------------------------------------------------


def test_the_api_answers_in_accept_language_and_its_codes_never_change(org):
    ticket = at_tier_two(org)
    api = client_for(org.ravi)

    english = api.post(url(ticket, "claim"))
    croatian = api.post(url(ticket, "claim"), HTTP_ACCEPT_LANGUAGE="hr")
    hindi = api.post(url(ticket, "claim"), HTTP_ACCEPT_LANGUAGE="hi-IN,hi;q=0.9")

    assert english.status_code == croatian.status_code == hindi.status_code == 403
    assert english.json()["code"] == croatian.json()["code"] == hindi.json()["code"] == "not_allowed"
    with translation.override("hr"):
        assert croatian.json()["detail"] != english.json()["detail"]
    assert croatian.headers["Content-Language"] == "hr"
    assert any("\u0900" <= c <= "\u097f" for c in hindi.json()["detail"])


def test_the_api_defaults_to_english_whatever_the_browser_chose_before(org, client):
    client.force_login(org.ana)
    client.post("/i18n/setlang/", {"language": "hr"})

    answer = client.get("/api/v1/tickets/?status=nonsense")

    assert answer.headers["Content-Language"] == "en"


def test_a_field_error_of_the_api_is_translated_under_its_field_name(org):
    answer = client_for(org.ana).post(
        "/api/v1/tickets/", {"subject": "", "customer": 1}, format="json", HTTP_ACCEPT_LANGUAGE="ro"
    )
    assert answer.status_code == 400
    body = answer.json()
    assert "subject" in str(body)
    english = client_for(org.ana).post("/api/v1/tickets/", {"subject": "", "customer": 1}, format="json")
    assert str(body) != str(english.json())


def test_preferences_refuse_a_time_zone_that_does_not_exist(org, client):
    client.force_login(org.ana)
    refused = client.post("/preferences/", {"weekly_digest": "on", "language": "", "time_zone": "Mars/Olympus"})
    assert refused.status_code == 400
    assert "time zone" in refused.content.decode().lower() or "Mars/Olympus" in refused.content.decode()
    assert not StaffPreferences.objects.filter(user=org.ana).exists()

    client.post("/preferences/", {"weekly_digest": "on", "language": "", "time_zone": "Asia/Kolkata"})
    assert StaffPreferences.objects.get(user=org.ana).time_zone == "Asia/Kolkata"
    assert client.session["tierdesk_time_zone"] == "Asia/Kolkata"
