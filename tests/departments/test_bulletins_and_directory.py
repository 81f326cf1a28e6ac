from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from departments.models import Bulletin, CustomerLinkTemplate, KeyContact, Membership
from departments.queries import bulletins_for_category, current_bulletins, directory, on_duty
from tests.factories import CategoryFactory, office_hours

pytestmark = pytest.mark.django_db
BUCHAREST = ZoneInfo("Europe/Bucharest")


def post(department, title, *, now, **fields):
    return Bulletin.objects.create(department=department, title=title, body="…", posted_at=now, **fields)


def test_expired_and_future_bulletins_are_not_current(org):
    now = timezone.now()
    live = post(org.sales, "X200 back in stock", now=now - timedelta(days=1))
    post(org.sales, "Old promotion", now=now - timedelta(days=9), expires_at=now - timedelta(seconds=1))
    post(org.sales, "Tomorrow's sale", now=now + timedelta(days=1))
    ending = post(org.sales, "Ends at this instant", now=now - timedelta(days=2), expires_at=now)

    assert list(current_bulletins(now)) == [live]
    assert not ending.is_current(now)
    assert ending.is_current(now - timedelta(seconds=1))


def test_pinned_bulletins_come_first_then_the_newest(org):
    now = timezone.now()
    older_pinned = post(org.sales, "Returns policy", now=now - timedelta(days=5), pinned=True)
    newest = post(org.cs, "Phones down at noon", now=now - timedelta(hours=1))
    older = post(org.sales, "X200 delayed", now=now - timedelta(days=2))

    assert list(current_bulletins(now)) == [older_pinned, newest, older]


def test_bulletins_about_the_tickets_category_come_first(org):
    now = timezone.now()
    delivery = CategoryFactory(slug="delivery", name="Delivery")
    general = post(org.sales, "New catalogue", now=now - timedelta(hours=1), pinned=True)
    about = post(org.sales, "Courier strike on Friday", now=now - timedelta(days=3))
    about.categories.add(delivery)

    assert bulletins_for_category(now, delivery.pk)[:2] == [about, general]
    assert bulletins_for_category(now, None)[:2] == [general, about]


def test_a_bulletin_cannot_expire_before_it_is_posted(org):
    from django.db import IntegrityError, transaction

    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        post(org.sales, "Backwards", now=now, expires_at=now - timedelta(hours=1))


def test_directory_search_finds_departments_by_contact_role_and_news(org):
    KeyContact.objects.create(department=org.sales, name="Dana Pop", role="Stock planner", phone="+40 21 000")
    post(org.sales, "Out of stock: kettle K3", now=timezone.now())

    assert [d.slug for d in directory("stock planner")] == ["sales"]
    assert [d.slug for d in directory("kettle")] == ["sales"]
    assert {d.slug for d in directory("")} == {"customer-service", "sales"}


def test_directory_query_count_does_not_grow_with_contacts(org, django_assert_num_queries):
    def load():
        return [(d.name, [t.name for t in d.tiers.all()], [c.backup for c in d.contacts.all()]) for d in directory()]

    KeyContact.objects.create(department=org.sales, name="A", role="Lead")
    with django_assert_num_queries(3):
        load()
    for n in range(20):
        KeyContact.objects.create(department=org.cs, name=f"C{n}", role="Agent")
    with django_assert_num_queries(3):
        load()


def test_contacts_on_duty_follow_the_organisations_wall_clock(org):
    day = KeyContact.objects.create(
        department=org.sales, name="Day", role="Desk", duty_days="12345", duty_from=time(9), duty_until=time(17)
    )
    night = KeyContact.objects.create(
        department=org.sales, name="Night", role="Desk", duty_days="1234567", duty_from=time(22), duty_until=time(6)
    )
    weekend = KeyContact.objects.create(department=org.sales, name="Weekend", role="Desk", duty_days="67")
    contacts = [day, night, weekend]

    monday_morning = datetime(2026, 11, 23, 9, 0, tzinfo=BUCHAREST)  # 07:00 UTC
    monday_night = datetime(2026, 11, 23, 23, 30, tzinfo=BUCHAREST)
    saturday = datetime(2026, 11, 28, 12, 0, tzinfo=BUCHAREST)

    assert on_duty(contacts, monday_morning.astimezone(ZoneInfo("UTC"))) == [day]
    assert on_duty(contacts, monday_night) == [night]
    assert on_duty(contacts, saturday) == [weekend]


def test_contact_duty_hours_are_validated(org):
    contact = KeyContact(department=org.sales, name="X", role="Y", duty_days="89", duty_from=time(9))

    with pytest.raises(ValidationError) as error:
        contact.full_clean()

    assert {"duty_days", "duty_until"} <= set(error.value.message_dict)


def test_customer_link_templates_fill_in_the_external_reference(org):
    link = CustomerLinkTemplate(department=org.sales, label="Orders", url_template="https://orders.example.com/customers/{external_id}")
    link.full_clean()

    assert link.url_for("C 42/7") == "https://orders.example.com/customers/C%2042%2F7"
    assert link.url_for("") is None
    for bad in ("https://orders.example.com/customers", "javascript:alert(1)//{external_id}"):
        with pytest.raises(ValidationError):
            CustomerLinkTemplate(department=org.sales, label="Bad", url_template=bad).full_clean()


def test_a_contact_with_shifts_of_their_own_is_on_duty_by_those_shifts(org):
    Membership.objects.filter(user=org.elena).update(calendar=office_hours("Elena's shifts", "Europe/Bucharest"))
    # Her contact card says weekends, but her shifts are Monday to Friday office hours.
    card = KeyContact.objects.create(department=org.sales, name="Elena", role="Lead", user=org.elena, duty_days="67")
    other = KeyContact.objects.create(department=org.sales, name="Dan", role="Desk", duty_days="67")

    monday = datetime(2026, 11, 23, 9, 0, tzinfo=BUCHAREST)
    lunch = datetime(2026, 11, 23, 12, 30, tzinfo=BUCHAREST)
    saturday = datetime(2026, 11, 28, 12, 0, tzinfo=BUCHAREST)

    assert on_duty([card, other], monday) == [card]
    assert on_duty([card, other], lunch) == []
    assert on_duty([card, other], saturday) == [other]
