"""The record of configuration changes on screen: managers read it newest first, a page at a
time; everyone else is refused. The screens and the admin that change contacts and
memberships leave a row in it."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.duration import duration_string

from departments import actions
from departments.models import ConfigurationChange, ConfigurationChangeKind, KeyContact, Membership
from departments.views.changes import PAGE_SIZE
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
CHANGES = reverse("configuration-changes")
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def change_tier_times(org, count: int) -> None:
    for hours in range(1, count + 1):
        actions.do_change_tier_time(
            org.t2,
            by=org.andrei,
            resolve_within=timedelta(hours=hours),
            now=MONDAY + timedelta(minutes=hours),
        )


def test_the_changes_address_is_directory_changes():
    assert CHANGES == "/directory/changes/"


def test_a_manager_reads_the_changes_newest_first_with_the_values_before_and_after(client, org):
    actions.do_change_tier_time(
        org.t2, by=org.andrei, resolve_within=timedelta(hours=8), now=MONDAY
    )
    actions.do_change_membership(
        Membership.objects.get(user=org.marko),
        by=org.andrei,
        is_lead=True,
        now=MONDAY + timedelta(hours=1),
    )
    client.force_login(org.andrei)

    response = client.get(CHANGES)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Membership changed") < html.index("Tier time changed")
    assert "marko · Customer service" in html
    assert "Tier lead: no" in html and "Tier lead: yes" in html
    assert "Resolve within: 20:00:00" in html and "Resolve within: 08:00:00" in html
    assert "andrei" in html


@pytest.mark.parametrize("who", ["ana", "ioana", "priya", "elena", "outsider"])
def test_anyone_but_a_manager_is_refused_the_changes_page(client, org, who):
    change_tier_times(org, 1)
    client.force_login(getattr(org, who))

    response = client.get(CHANGES)

    assert response.status_code == 403
    assert "20:00:00" not in response.content.decode()


def test_the_changes_page_needs_signing_in(client, org):
    response = client.get(CHANGES)

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_changes_page_is_paginated_and_costs_the_same_queries_for_each_page(client, org):
    change_tier_times(org, PAGE_SIZE + 3)
    client.force_login(org.andrei)

    counts = []
    for page in (1, 2):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(CHANGES, {"page": page})
        counts.append(len(queries))
        assert response.status_code == 200
        assert len(response.context["rows"]) == (PAGE_SIZE if page == 1 else 3)
    newest = response.context["page"].paginator.page(1).object_list[0]
    assert newest.new_value == {"resolve_within": duration_string(timedelta(hours=PAGE_SIZE + 3))}
    assert counts[0] == counts[1]


def test_the_directory_links_the_changes_for_managers_only(client, org):
    client.force_login(org.andrei)
    assert CHANGES in client.get(reverse("directory")).content.decode()

    client.force_login(org.ioana)
    assert CHANGES not in client.get(reverse("directory")).content.decode()


def test_contacts_added_edited_and_removed_on_screen_are_recorded(client, org):
    lead = UserFactory(username="sabina")
    MembershipFactory(user=lead, tier=org.sales_t1, is_lead=True)
    client.force_login(lead)

    client.post(
        reverse("department-contact-add", args=["sales"]),
        {"name": "Mia Pop", "role": "Quotes", "duty_days": "12345", "position": 3},
    )
    mia = KeyContact.objects.get(name="Mia Pop")
    client.post(
        reverse("department-contact-edit", args=["sales", mia.pk]),
        {"name": "Mia Pop", "role": "Tenders", "duty_days": "12345", "position": 3},
    )
    client.post(reverse("department-contact-remove", args=["sales", mia.pk]))

    kinds = list(ConfigurationChange.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == [
        ConfigurationChangeKind.CONTACT_ADDED,
        ConfigurationChangeKind.CONTACT_CHANGED,
        ConfigurationChangeKind.CONTACT_REMOVED,
    ]
    edited = ConfigurationChange.objects.get(kind=ConfigurationChangeKind.CONTACT_CHANGED)
    assert (edited.old_value, edited.new_value) == ({"role": "Quotes"}, {"role": "Tenders"})
    assert set(ConfigurationChange.objects.values_list("changed_by", flat=True)) == {lead.pk}


def test_an_invalid_contact_on_screen_is_a_400_and_records_nothing(client, org):
    client.force_login(org.andrei)

    response = client.post(
        reverse("department-contact-add", args=["sales"]),
        {"name": "X", "role": "Y", "duty_days": "89", "position": 0},
    )

    assert response.status_code == 400
    assert not KeyContact.objects.exists() and not ConfigurationChange.objects.exists()


def test_a_contact_id_past_a_bigint_is_a_404_without_reaching_the_database(client, org):
    client.force_login(org.andrei)

    for name in ("department-contact-edit", "department-contact-remove"):
        path = reverse(name, args=["sales", 1]).replace("/1/", f"/{2**63}/")
        assert client.post(path).status_code == 404


def test_a_bulletin_id_past_a_bigint_is_a_404(client, org):
    client.force_login(org.andrei)

    for name in ("bulletin-edit", "bulletin-expire"):
        path = reverse(name, args=[1]).replace("/1/", f"/{2**63}/")
        assert client.post(path).status_code == 404


# The admin


@pytest.fixture
def admin_client(client, org):
    org.andrei.is_staff = org.andrei.is_superuser = True
    org.andrei.save(update_fields=["is_staff", "is_superuser"])
    client.force_login(org.andrei)
    return client


def test_a_membership_changed_in_the_admin_goes_through_the_action_and_is_recorded(
    admin_client, org
):
    membership = Membership.objects.get(user=org.marko)

    response = admin_client.post(
        reverse("admin:departments_membership_change", args=[membership.pk]),
        {"tier": org.t3.pk, "is_lead": "on"},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    membership.refresh_from_db()
    assert (membership.tier, membership.is_lead) == (org.t3, True)
    change = ConfigurationChange.objects.get()
    assert change.kind == ConfigurationChangeKind.MEMBERSHIP_CHANGED
    assert change.new_value == {"tier": str(org.t3), "is_lead": True}


def test_a_membership_removed_in_the_admin_is_recorded(admin_client, org):
    membership = Membership.objects.get(user=org.marko)

    response = admin_client.post(
        reverse("admin:departments_membership_delete", args=[membership.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert ConfigurationChange.objects.get().kind == ConfigurationChangeKind.MEMBERSHIP_REMOVED


def test_a_tier_time_changed_in_the_admin_is_recorded(admin_client, org):
    response = admin_client.post(
        reverse("admin:departments_tier_change", args=[org.t2.pk]),
        {
            "department": org.cs.pk,
            "level": 2,
            "name": "Specialists",
            "resolve_within": "08:00:00",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    change = ConfigurationChange.objects.get()
    assert (change.old_value, change.new_value) == (
        {"resolve_within": "20:00:00"},
        {"resolve_within": "08:00:00"},
    )


def test_the_configuration_record_is_read_only_in_the_admin(admin_client, org):
    change_tier_times(org, 1)
    change = ConfigurationChange.objects.get()

    assert admin_client.get(reverse("admin:departments_configurationchange_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:departments_configurationchange_add")).status_code == 403
    assert (
        admin_client.post(
            reverse("admin:departments_configurationchange_change", args=[change.pk]),
            {"changed_by_name": "someone else"},
        ).status_code
        == 403
    )
    assert (
        admin_client.post(
            reverse("admin:departments_configurationchange_delete", args=[change.pk]),
            {"post": "yes"},
        ).status_code
        == 403
    )
    assert ConfigurationChange.objects.get().changed_by_name == "andrei"


def _submitted(response) -> dict:
    """The admin page's forms as a browser would send them back unchanged."""

    def put(data, form):
        for name in form.fields:
            value = form[name].value()
            key = form.add_prefix(name)
            if isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif isinstance(value, timedelta):
                data[key] = duration_string(value)
            elif value is not None:
                data[key] = value

    data = {}
    put(data, response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        put(data, formset.management_form)
        for form in formset.forms:
            put(data, form)
    return data


def test_the_department_admins_inlines_change_tiers_seats_and_contacts_through_the_actions(
    admin_client, org
):
    KeyContact.objects.create(department=org.cs, name="Olga", role="Returns")
    url = reverse("admin:departments_department_change", args=[org.cs.pk])
    data = _submitted(admin_client.get(url))
    tiers = {data[f"tiers-{i}-level"]: i for i in range(int(data["tiers-TOTAL_FORMS"]))}
    data[f"tiers-{tiers[2]}-resolve_within"] = "08:00:00"
    seats = {
        Membership.objects.get(pk=data[f"memberships-{i}-id"]).user.username: i
        for i in range(int(data["memberships-TOTAL_FORMS"]))
    }
    data[f"memberships-{seats['marko']}-is_lead"] = "on"
    data["contacts-0-DELETE"] = "on"

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["errors"] if response.context else ""
    assert sorted(ConfigurationChange.objects.values_list("kind", flat=True)) == sorted(
        [
            ConfigurationChangeKind.TIER_TIME,
            ConfigurationChangeKind.MEMBERSHIP_CHANGED,
            ConfigurationChangeKind.CONTACT_REMOVED,
        ]
    )
    assert Membership.objects.get(user=org.marko).is_lead is True
    assert not KeyContact.objects.filter(name="Olga").exists()


def test_news_posted_in_the_admin_is_authored_and_dated_by_the_action(admin_client, org):
    from departments.models import Bulletin

    response = admin_client.post(
        reverse("admin:departments_bulletin_add"),
        {"department": org.sales.pk, "title": "X200 out of stock", "body": "…", "kind": "other"},
    )

    assert response.status_code == 302, response.context["errors"] if response.context else ""
    bulletin = Bulletin.objects.get()
    assert bulletin.author == org.andrei and bulletin.posted_at is not None
    assert admin_client.post(
        reverse("admin:departments_bulletin_delete", args=[bulletin.pk]), {"post": "yes"}
    ).status_code == 403


def test_another_person_in_a_seat_row_of_the_department_admin_is_a_new_seat(admin_client, org):
    nora = UserFactory(username="nora")
    url = reverse("admin:departments_department_change", args=[org.cs.pk])
    data = _submitted(admin_client.get(url))
    row = next(
        i
        for i in range(int(data["memberships-TOTAL_FORMS"]))
        if data[f"memberships-{i}-user"] == org.marko.pk
    )
    data[f"memberships-{row}-user"] = nora.pk

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["errors"] if response.context else ""
    assert not Membership.objects.filter(user=org.marko).exists()
    assert Membership.objects.get(user=nora).tier == org.t2
    assert list(ConfigurationChange.objects.order_by("id").values_list("kind", flat=True)) == [
        ConfigurationChangeKind.MEMBERSHIP_REMOVED,
        ConfigurationChangeKind.MEMBERSHIP_ADDED,
    ]
