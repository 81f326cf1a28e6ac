"""Sign-in, the header every page shares, and that every screen needs an account."""

import pytest
from django.urls import reverse

from tests.factories import CustomerFactory, open_ticket

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        reverse("home"),
        reverse("log-call"),
        reverse("caller-lookup") + "?q=ana",
        reverse("customer-block"),
        reverse("intake-checklist"),
        reverse("ticket-list"),
        reverse("ticket-detail", args=["T-000001"]),
        reverse("password_change"),
    ],
)
def test_every_screen_sends_an_anonymous_visitor_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


def test_a_move_posted_without_an_account_changes_nothing(client, org):
    ticket = open_ticket(org.ravi)
    client.logout()
    response = client.post(reverse("ticket-pass", args=[ticket.reference]), {"note": "tried"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.tier == org.t1


def test_sign_in_page_has_labelled_fields_and_signs_in(client, org):
    page = client.get(reverse("login"))
    html = page.content.decode()
    assert 'for="id_username"' in html and 'for="id_password"' in html
    response = client.post(reverse("login"), {"username": "ana", "password": "pw"})
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_wrong_password_is_said_in_words(client, org):
    response = client.post(reverse("login"), {"username": "ana", "password": "nope"})
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()


def test_sign_out_is_a_post_form_and_ends_the_session(client, org):
    client.force_login(org.ana)
    html = client.get(reverse("home")).content.decode()
    assert f'method="post" action="{reverse("logout")}"' in html
    assert client.get(reverse("logout")).status_code == 405
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


def test_password_change_works_and_is_styled(client, org):
    client.force_login(org.ana)
    page = client.get(reverse("password_change"))
    assert "tierdesk.css" in page.content.decode()
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "pw",
            "new_password1": "a-long-new-secret-9",
            "new_password2": "a-long-new-secret-9",
        },
    )
    assert response.status_code == 302
    org.ana.refresh_from_db()
    assert org.ana.check_password("a-long-new-secret-9")


@pytest.mark.parametrize(
    ("username", "label"),
    [("andrei", "Manager"), ("ioana", "Lead of Specialists"), ("ana", "Agent at Front line")],
)
def test_header_shows_name_and_role(client, org, username, label):
    client.force_login(getattr(org, username))
    html = client.get(reverse("home")).content.decode()
    assert f'<span class="who-role">{label}</span>' in html
    assert username.capitalize() in html


def test_header_has_language_menu_posting_to_set_language_and_htmx_csrf_header(client, org):
    client.force_login(org.ana)
    html = client.get(reverse("home")).content.decode()
    assert f'action="{reverse("set_language")}"' in html
    assert '<select name="language" id="language">' in html
    assert 'hx-headers=\'{"X-CSRFToken": "' in html
    assert "django_htmx/htmx-2.min.js" in html
    assert 'accesskey="l"' in html


def test_admin_api_and_health_check_keep_working_beside_the_ui(client, org):
    assert client.get("/healthz/").status_code in (200, 503)
    assert client.get("/admin/login/").status_code == 200
    client.force_login(org.ana)
    CustomerFactory()
    assert client.get(reverse("home")).status_code == 200
