"""The department directory and each department's page, reached from a ticket in one click;
leads and managers keep the key contacts up to date, everyone else is refused."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from departments.models import Bulletin, KeyContact
from tests.factories import MembershipFactory, TierFactory, UserFactory, open_ticket
from tickets import actions

pytestmark = pytest.mark.django_db
BUCHAREST = ZoneInfo("Europe/Bucharest")


@pytest.fixture
def sales_desk(org):
    """Sales with two contacts: Dana (weekday office hours) backed up by Radu."""
    org.sales.description = "Offers, quotes, discounts and large orders."
    org.sales.save()
    radu = KeyContact.objects.create(
        department=org.sales,
        name="Radu Ene",
        role="Key accounts",
        phone="+40 21 000 0002",
        position=2,
    )
    dana = KeyContact.objects.create(
        department=org.sales,
        name="Dana Ilie",
        role="Sales lead",
        phone="+40 21 000 0001",
        email="dana@example.com",
        hours="Mon-Fri 9-17",
        backup=radu,
        duty_days="12345",
        duty_from=time(9),
        duty_until=time(17),
        position=1,
    )
    lead = UserFactory(username="sabina")
    MembershipFactory(user=lead, tier=org.sales_t1, is_lead=True)
    return {"dana": dana, "radu": radu, "lead": lead}


def test_the_directory_search_finds_a_department_by_a_contacts_role(client, org, sales_desk):
    client.force_login(org.ana)

    html = client.get(reverse("directory"), {"q": "key accounts"}).content.decode()

    assert "Radu Ene" in html and reverse("department-detail", args=["sales"]) in html
    assert reverse("department-detail", args=["customer-service"]) not in html
    nothing = client.get(reverse("directory"), {"q": "zebra"}).content.decode()
    assert "No department, person, role or news matches “zebra”." in nothing


def test_the_directory_lists_every_department_with_phone_and_email_links(client, org, sales_desk):
    client.force_login(org.ana)

    html = client.get(reverse("directory")).content.decode()

    assert "Customer service" in html and "Sales" in html
    assert 'href="tel:+40210000001"' in html and 'href="mailto:dana@example.com"' in html


def test_who_can_help_opens_the_directory_from_the_ticket_with_an_ask_button_per_department(
    client, org, sales_desk
):
    ticket = open_ticket(org.ana)
    client.force_login(org.ana)
    page = client.get(reverse("ticket-detail", args=[ticket.reference])).content.decode()
    link = f"{reverse('directory')}?from={ticket.reference}"
    assert f'href="{link}"' in page

    html = client.get(link).content.decode()

    ask = f"{reverse('ticket-detail', args=[ticket.reference])}?ask=sales#refer"
    assert ask in html and "Ask Sales" in html
    assert "Ask Customer service" not in html
    form = client.get(ask).content.decode()
    assert f'<option value="{org.sales.pk}" selected>Sales</option>' in form


def test_the_directory_from_a_ticket_out_of_sight_is_a_404(client, org):
    ticket = open_ticket(org.ana)
    client.force_login(org.elena)
    assert client.get(reverse("directory"), {"from": ticket.reference}).status_code == 404


def test_the_department_page_shows_contacts_backup_duty_tiers_target_and_news(
    client, org, sales_desk
):
    wednesday_morning = datetime(2026, 11, 18, 10, 0, tzinfo=BUCHAREST)
    Bulletin.objects.create(
        department=org.sales,
        title="X200 out of stock",
        body="Offer the X210.",
        posted_at=wednesday_morning - timedelta(hours=1),
    )
    client.force_login(org.ana)
    with time_machine.travel(wednesday_morning, tick=False):
        html = client.get(reverse("department-detail", args=["sales"])).content.decode()
    for text in (
        "Offers, quotes, discounts and large orders.",
        "Dana Ilie",
        "Sales lead",
        'href="tel:+40210000001"',
        'href="mailto:dana@example.com"',
        "Mon-Fri 9-17",
        "Backup",
        "Radu Ene",
        "On duty now:",
        "Sales desk",
        "resolves within 20 h",
        "within <strong>4 h</strong>",
        "X200 out of stock",
    ):
        assert text in html, text
    assert "<strong>Dana Ilie</strong> (<a" in html  # listed as on duty
    with time_machine.travel(wednesday_morning.replace(hour=20), tick=False):
        evening = client.get(reverse("department-detail", args=["sales"])).content.decode()
    assert "<strong>Dana Ilie</strong> (<a" not in evening


def test_the_department_page_lists_recent_transfers_in_and_out_counting_those_out_of_sight(
    client, org
):
    moved_in = actions.do_transfer_ticket(
        open_ticket(org.ana, subject="Wants a quote"),
        by=org.ana,
        department=org.sales,
        note="Asks for a quote",
    )
    old = open_ticket(org.ana, subject="Old one")
    with time_machine.travel(old.opened_at + timedelta(minutes=1), tick=False):
        actions.do_transfer_ticket(old, by=org.ana, department=org.sales, note="Long ago")
    # Elena hands one to customer service that Ana never touched: ana sees it (her department).
    outbound = actions.do_open_ticket(
        by=org.elena, subject="Broken on arrival", customer=moved_in.customer, department=org.sales
    )
    actions.do_transfer_ticket(outbound, by=org.elena, department=org.cs, note="A fault, not a sale")
    client.force_login(
        org.ravi
    )  # customer service: sees the one that came back, not the one Ana sent away

    html = client.get(reverse("department-detail", args=["sales"])).content.decode()

    assert "In: 2 tickets" in html and "Out: 1 ticket" in html
    assert "Broken on arrival" in html and "A fault, not a sale" in html
    assert "Wants a quote" not in html and "2 more out of your sight." in html


def test_a_lead_of_the_department_adds_edits_and_removes_contacts(client, org, sales_desk):
    client.force_login(sales_desk["lead"])
    add = reverse("department-contact-add", args=["sales"])

    created = client.post(
        add,
        {
            "name": "Mia Pop",
            "role": "Quotes",
            "phone": "+40 1",
            "duty_days": "12345",
            "position": 3,
            "backup": sales_desk["dana"].pk,
        },
    )
    assert created.status_code == 302
    mia = KeyContact.objects.get(name="Mia Pop")
    assert (mia.department, mia.backup) == (org.sales, sales_desk["dana"])

    edit = reverse("department-contact-edit", args=["sales", mia.pk])
    assert client.get(edit).status_code == 200
    saved = client.post(
        edit, {"name": "Mia Pop", "role": "Quotes and tenders", "duty_days": "12345", "position": 3}
    )
    assert saved.status_code == 302
    mia.refresh_from_db()
    assert mia.role == "Quotes and tenders" and mia.backup is None

    removed = client.post(reverse("department-contact-remove", args=["sales", mia.pk]))
    assert removed.status_code == 302 and not KeyContact.objects.filter(pk=mia.pk).exists()


def test_contact_forms_check_the_models_rules_and_show_the_errors(client, org, sales_desk):
    client.force_login(org.andrei)  # a manager may too

    response = client.post(
        reverse("department-contact-add", args=["sales"]),
        {
            "name": "Half",
            "role": "Shift",
            "duty_days": "1289",
            "duty_from": "09:00",
            "position": 0,
        },
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "Use the digits 1 to 7 only." in html
    assert "Give both the start and the end of the duty hours." in html
    assert not KeyContact.objects.filter(name="Half").exists()


def test_a_contact_cannot_be_backed_up_by_someone_of_another_department(client, org, sales_desk):
    other = KeyContact.objects.create(department=org.cs, name="Ioana", role="Lead")
    client.force_login(sales_desk["lead"])

    response = client.post(
        reverse("department-contact-add", args=["sales"]),
        {"name": "X", "role": "Y", "duty_days": "1", "position": 0, "backup": other.pk},
    )

    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()


def test_agents_and_leads_of_other_departments_are_refused_contact_changes(client, org, sales_desk):
    dana = sales_desk["dana"]
    for user in (org.elena, org.ioana, org.outsider):  # sales agent, a lead elsewhere, nobody
        client.force_login(user)
        assert (
            client.post(
                reverse("department-contact-add", args=["sales"]),
                {"name": "X", "role": "Y", "duty_days": "1", "position": 0},
            ).status_code
            == 403
        )
        assert (
            client.get(reverse("department-contact-edit", args=["sales", dana.pk])).status_code
            == 403
        )
        assert (
            client.post(reverse("department-contact-remove", args=["sales", dana.pk])).status_code
            == 403
        )
    assert KeyContact.objects.filter(department=org.sales).count() == 2
    client.force_login(org.elena)
    page = client.get(reverse("department-detail", args=["sales"])).content.decode()
    assert "Add a contact" not in page and "Edit Dana Ilie" not in page


def test_a_contact_of_another_department_is_a_404_on_this_ones_address(client, org, sales_desk):
    other = KeyContact.objects.create(department=org.cs, name="Ioana", role="Lead")
    client.force_login(sales_desk["lead"])
    assert (
        client.get(reverse("department-contact-edit", args=["sales", other.pk])).status_code == 404
    )
    assert client.get(reverse("department-detail", args=["nowhere"])).status_code == 404


def test_the_directory_page_costs_the_same_queries_for_few_and_many_departments(client, org):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(org.ana)
    counts = []
    for n in (2, 12):
        for i in range(n):
            tier = TierFactory(department__slug=f"extra-{n}-{i}")
            KeyContact.objects.create(department=tier.department, name=f"C{i}", role="R")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("directory")).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
