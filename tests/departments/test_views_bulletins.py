"""Bulletins in the browser: posting news, editing and expiring it, where agents see it, the
weekly digest's opt-out and a manager's "send now"."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from departments.models import Bulletin, BulletinKind, DigestRun, StaffPreferences
from departments.queries import digest_recipients
from outbox.models import OutboundEmail
from tests.factories import CategoryFactory, MembershipFactory, UserFactory, open_ticket

pytestmark = pytest.mark.django_db


def post(department, title, *, at=None, **fields):
    return Bulletin.objects.create(
        department=department,
        title=title,
        body=fields.pop("body", "…"),
        posted_at=at or timezone.now() - timedelta(minutes=5),
        **fields,
    )


def news(org, **overrides):
    data = {
        "department": org.sales.pk,
        "title": "X200 out of stock",
        "body": "Offer the X210 instead.",
        "kind": BulletinKind.OUT_OF_STOCK,
        "expires_at": "",
    }
    data.update(overrides)
    return data


def test_a_member_posts_news_for_their_department(client, org):
    delivery = CategoryFactory(slug="delivery", name="Delivery")
    client.force_login(org.elena)
    assert client.get(reverse("bulletin-new")).status_code == 200

    response = client.post(
        reverse("bulletin-new"), news(org, categories=[delivery.pk], pinned="on")
    )

    assert response.status_code == 302
    bulletin = Bulletin.objects.get()
    assert (bulletin.department, bulletin.author, bulletin.kind, bulletin.pinned) == (
        org.sales,
        org.elena,
        "out_of_stock",
        True,
    )
    assert list(bulletin.categories.all()) == [delivery]
    assert "X200 out of stock" in client.get(reverse("bulletins")).content.decode()


def test_posting_for_a_department_one_is_not_in_is_a_403_even_when_forged(client, org):
    client.force_login(org.ana)  # customer service, not sales
    assert client.post(reverse("bulletin-new"), news(org)).status_code == 403
    client.force_login(org.outsider)  # no department at all
    assert client.get(reverse("bulletin-new")).status_code == 403
    assert client.post(reverse("bulletin-new"), news(org)).status_code == 403
    assert not Bulletin.objects.exists()
    client.force_login(org.andrei)  # a manager posts for any department
    assert client.post(reverse("bulletin-new"), news(org)).status_code == 302


def test_a_bulletin_needs_a_title_and_a_body_and_an_expiry_in_the_future(client, org):
    client.force_login(org.elena)

    response = client.post(
        reverse("bulletin-new"),
        news(
            org,
            title="",
            body="",
            expires_at=(timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        ),
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert html.count("This field is required.") == 2
    assert "Choose a moment in the future." in html
    assert not Bulletin.objects.exists()


def test_the_home_page_shows_current_news_and_drops_it_when_it_expires(client, org):
    now = timezone.now()
    post(
        org.sales,
        "Spring promotion",
        at=now - timedelta(days=1),
        expires_at=now + timedelta(hours=2),
    )
    post(
        org.sales,
        "Last year's sale",
        at=now - timedelta(days=9),
        expires_at=now - timedelta(days=2),
    )
    client.force_login(org.ana)

    html = client.get(reverse("home")).content.decode()
    assert "Spring promotion" in html and "Last year's sale" not in html
    with time_machine.travel(now + timedelta(hours=2), tick=False):
        later = client.get(reverse("home")).content.decode()
    assert "Spring promotion" not in later and "No current news." in later


def test_the_ticket_page_shows_news_about_its_category_first(client, org):
    delivery = CategoryFactory(slug="delivery", name="Delivery")
    post(org.sales, "New catalogue", pinned=True)
    strike = post(org.sales, "Courier strike on Friday", at=timezone.now() - timedelta(days=2))
    strike.categories.add(delivery)
    ticket = open_ticket(org.ana, category=delivery)
    client.force_login(org.ana)

    html = client.get(reverse("ticket-detail", args=[ticket.reference])).content.decode()

    assert html.index("Courier strike on Friday") < html.index("New catalogue")
    assert "About this ticket&#x27;s category" in html or "About this ticket's category" in html


def test_the_author_and_the_departments_leads_edit_and_expire_news_others_are_refused(client, org):
    bulletin = post(org.sales, "Typo in the tittle", author=org.elena)
    colleague = UserFactory(username="sorin")
    MembershipFactory(user=colleague, tier=org.sales_t1)
    lead = UserFactory(username="sabina")
    MembershipFactory(user=lead, tier=org.sales_t1, is_lead=True)
    edit = reverse("bulletin-edit", args=[bulletin.pk])
    expire = reverse("bulletin-expire", args=[bulletin.pk])

    for refused in (
        colleague,
        org.ana,
        org.ioana,
    ):  # a plain colleague, other departments, a lead elsewhere
        client.force_login(refused)
        assert client.get(edit).status_code == 403
        assert client.post(edit, news(org, title="Hijacked")).status_code == 403
        assert client.post(expire).status_code == 403

    client.force_login(org.elena)
    assert client.post(edit, news(org, title="Typo in the title", kind="other")).status_code == 302
    bulletin.refresh_from_db()
    assert bulletin.title == "Typo in the title"
    client.force_login(lead)
    assert client.post(expire).status_code == 302
    bulletin.refresh_from_db()
    assert not bulletin.is_current(timezone.now() + timedelta(seconds=1))
    assert (
        'class="bulletin-title">Typo in the title'
        not in client.get(reverse("home")).content.decode()
    )


def test_the_edit_link_is_shown_only_to_who_may_use_it(client, org):
    bulletin = post(org.sales, "Returns policy", author=org.elena)
    client.force_login(org.elena)
    assert (
        reverse("bulletin-edit", args=[bulletin.pk])
        in client.get(reverse("bulletins")).content.decode()
    )
    client.force_login(org.ana)
    assert (
        reverse("bulletin-edit", args=[bulletin.pk])
        not in client.get(reverse("bulletins")).content.decode()
    )


def test_only_managers_see_expired_news_on_the_bulletins_page(client, org):
    post(
        org.sales,
        "Gone",
        at=timezone.now() - timedelta(days=3),
        expires_at=timezone.now() - timedelta(days=1),
    )
    client.force_login(org.ana)
    assert "Gone" not in client.get(reverse("bulletins"), {"include_expired": "1"}).content.decode()
    client.force_login(org.andrei)
    html = client.get(reverse("bulletins"), {"include_expired": "1"}).content.decode()
    assert "Gone" in html and "Not shown" in html


def test_a_manager_sends_the_digest_now_with_a_confirmation(client, org):
    client.force_login(org.andrei)
    assert "digest now</button>" in client.get(reverse("bulletins")).content.decode()

    response = client.post(reverse("bulletin-digest-send"), follow=True)

    assert response.status_code == 200
    run = DigestRun.objects.get()
    assert (run.sent_by, run.scheduled) == (org.andrei, False)
    assert "queued for" in response.content.decode()
    assert OutboundEmail.objects.filter(kind="weekly_digest").count() == run.recipients > 0


def test_only_managers_may_send_the_digest_now(client, org):
    client.force_login(org.ioana)
    assert client.post(reverse("bulletin-digest-send")).status_code == 403
    assert "digest now" not in client.get(reverse("bulletins")).content.decode()
    assert not DigestRun.objects.exists()
    assert client.get(reverse("bulletin-digest-send")).status_code == 405


def test_the_preferences_page_turns_the_weekly_digest_off_and_on(client, org):
    client.force_login(org.ana)
    page = client.get(reverse("preferences")).content.decode()
    assert "Email me the weekly digest" in page and "checked" in page

    response = client.post(reverse("preferences"), {})  # an unticked box sends nothing

    assert response.status_code == 302
    assert StaffPreferences.objects.get(user=org.ana).weekly_digest is False
    assert org.ana not in digest_recipients()
    client.post(reverse("preferences"), {"weekly_digest": "on"})
    assert org.ana in digest_recipients()
    assert StaffPreferences.objects.filter(user=org.ana).count() == 1
