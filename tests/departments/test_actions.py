"""Every write of the organisation goes through ``departments.actions``: each move allowed to
whom its predicate says, refused with NotAllowed or an InvalidInput naming the field (and
nothing changed then), and configuration changes recorded with their values before and after."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.utils import timezone

from core.errors import InvalidInput, NotAllowed
from departments import actions
from departments.models import (
    MAX_RESOLVE_WITHIN,
    Bulletin,
    BulletinKind,
    ConfigurationChange,
    ConfigurationChangeKind,
    KeyContact,
    Membership,
    Tier,
)
from tests.factories import CategoryFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def only_change() -> ConfigurationChange:
    return ConfigurationChange.objects.get()


# Tier times


def test_a_manager_changes_a_tier_time_and_the_change_is_recorded(org):
    tier = actions.do_change_tier_time(
        org.t2, by=org.andrei, resolve_within=timedelta(hours=8), now=NOW
    )

    assert tier.resolve_within == Tier.objects.get(pk=org.t2.pk).resolve_within == timedelta(hours=8)
    change = only_change()
    assert change.kind == ConfigurationChangeKind.TIER_TIME
    assert (change.changed_by, change.changed_by_name, change.changed_at) == (
        org.andrei,
        "andrei",
        NOW,
    )
    assert (change.department, change.object_id) == (org.cs, org.t2.pk)
    assert "Specialists" in change.object_repr
    assert change.old_value == {"resolve_within": "20:00:00"}
    assert change.new_value == {"resolve_within": "08:00:00"}


@pytest.mark.parametrize("who", ["ana", "ioana", "priya", "outsider"])
def test_only_managers_change_a_tier_time_and_a_refusal_changes_nothing(org, who):
    with pytest.raises(NotAllowed):
        actions.do_change_tier_time(
            org.t2, by=getattr(org, who), resolve_within=timedelta(hours=1)
        )

    assert Tier.objects.get(pk=org.t2.pk).resolve_within == timedelta(hours=20)
    assert not ConfigurationChange.objects.exists()


@pytest.mark.parametrize(
    "value",
    [timedelta(0), timedelta(seconds=-1), MAX_RESOLVE_WITHIN + timedelta(seconds=1), "8:00:00"],
)
def test_a_tier_time_out_of_the_models_limit_is_refused_naming_the_field(org, value):
    with pytest.raises(InvalidInput) as refused:
        actions.do_change_tier_time(org.t2, by=org.andrei, resolve_within=value)

    assert refused.value.field == "resolve_within"
    assert Tier.objects.get(pk=org.t2.pk).resolve_within == timedelta(hours=20)
    assert not ConfigurationChange.objects.exists()


def test_the_longest_tier_time_the_model_allows_is_accepted(org):
    actions.do_change_tier_time(org.t2, by=org.andrei, resolve_within=MAX_RESOLVE_WITHIN)

    assert Tier.objects.get(pk=org.t2.pk).resolve_within == MAX_RESOLVE_WITHIN


def test_setting_a_tier_time_to_what_it_is_records_nothing(org):
    actions.do_change_tier_time(org.t2, by=org.andrei, resolve_within=timedelta(hours=20))

    assert not ConfigurationChange.objects.exists()


# Memberships


def test_a_manager_seats_someone_at_a_tier_and_it_is_recorded(org):
    newcomer = UserFactory(username="nora")

    membership = actions.do_add_membership(
        by=org.andrei, user=newcomer, tier=org.t2, is_lead=True, now=NOW
    )

    assert (membership.department, membership.tier, membership.is_lead) == (org.cs, org.t2, True)
    change = only_change()
    assert change.kind == ConfigurationChangeKind.MEMBERSHIP_ADDED
    assert (change.object_id, change.department, change.changed_at) == (membership.pk, org.cs, NOW)
    assert change.object_repr == "nora · Customer service"
    assert change.old_value is None
    assert change.new_value == {"tier": str(org.t2), "is_lead": True}


def test_a_second_seat_in_the_same_department_is_refused_naming_the_user(org):
    with pytest.raises(InvalidInput) as refused:
        actions.do_add_membership(by=org.andrei, user=org.ana, tier=org.t3)

    assert refused.value.field == "user"
    assert Membership.objects.get(user=org.ana, department=org.cs).tier == org.t1
    assert not ConfigurationChange.objects.exists()


def test_a_manager_moves_a_member_up_and_makes_them_lead_and_only_what_changed_is_recorded(org):
    membership = Membership.objects.get(user=org.marko)

    actions.do_change_membership(membership, by=org.andrei, tier=org.t3, now=NOW)
    actions.do_change_membership(membership, by=org.andrei, is_lead=True, now=NOW)

    membership.refresh_from_db()
    assert (membership.tier, membership.is_lead) == (org.t3, True)
    moved, lead = ConfigurationChange.objects.order_by("id")
    assert moved.kind == lead.kind == ConfigurationChangeKind.MEMBERSHIP_CHANGED
    assert (moved.old_value, moved.new_value) == ({"tier": str(org.t2)}, {"tier": str(org.t3)})
    assert (lead.old_value, lead.new_value) == ({"is_lead": False}, {"is_lead": True})


def test_a_membership_change_that_changes_nothing_records_nothing(org):
    membership = Membership.objects.get(user=org.marko)

    actions.do_change_membership(membership, by=org.andrei, tier=org.t2, is_lead=False)

    assert not ConfigurationChange.objects.exists()


def test_a_tier_of_another_department_is_refused_naming_the_tier(org):
    membership = Membership.objects.get(user=org.marko)

    with pytest.raises(InvalidInput) as refused:
        actions.do_change_membership(membership, by=org.andrei, tier=org.sales_t1)

    assert refused.value.field == "tier"
    assert Membership.objects.get(pk=membership.pk).tier == org.t2
    assert not ConfigurationChange.objects.exists()


@pytest.mark.parametrize("who", ["ioana", "priya", "ana", "outsider"])
def test_only_managers_change_memberships_and_a_refusal_changes_nothing(org, who):
    actor = getattr(org, who)
    membership = Membership.objects.get(user=org.marko)

    with pytest.raises(NotAllowed):
        actions.do_add_membership(by=actor, user=UserFactory(username="nora"), tier=org.t1)
    with pytest.raises(NotAllowed):
        actions.do_change_membership(membership, by=actor, is_lead=True)
    with pytest.raises(NotAllowed):
        actions.do_remove_membership(membership, by=actor)

    assert not Membership.objects.filter(user__username="nora").exists()
    assert Membership.objects.get(pk=membership.pk).is_lead is False
    assert not ConfigurationChange.objects.exists()


def test_a_manager_removes_a_seat_and_the_record_keeps_what_it_was(org):
    membership = Membership.objects.get(user=org.ioana)

    actions.do_remove_membership(membership, by=org.andrei, now=NOW)

    assert not Membership.objects.filter(user=org.ioana).exists()
    change = only_change()
    assert change.kind == ConfigurationChangeKind.MEMBERSHIP_REMOVED
    assert change.object_repr == "ioana · Customer service"
    assert (change.old_value, change.new_value) == ({"tier": str(org.t2), "is_lead": True}, None)


def test_a_new_seat_is_seen_at_once_by_the_same_user_object(org):
    from departments.queries import memberships_of

    newcomer = UserFactory(username="nora")
    assert memberships_of(newcomer) == []

    actions.do_add_membership(by=org.andrei, user=newcomer, tier=org.t1)

    assert [m.tier for m in memberships_of(newcomer)] == [org.t1]


# Key contacts


@pytest.fixture
def sabina(org):
    """The lead of sales."""
    lead = UserFactory(username="sabina")
    MembershipFactory(user=lead, tier=org.sales_t1, is_lead=True)
    return lead


def test_a_lead_adds_a_contact_and_it_is_recorded_in_full(org, sabina):
    contact = actions.do_add_contact(
        by=sabina,
        department=org.sales,
        name="Dana Ilie",
        role="Sales lead",
        phone="+40 21 000 0001",
        duty_from=time(9),
        duty_until=time(17),
        now=NOW,
    )

    assert KeyContact.objects.get(pk=contact.pk).department == org.sales
    change = only_change()
    assert change.kind == ConfigurationChangeKind.CONTACT_ADDED
    assert (change.changed_by, change.object_id, change.department) == (
        sabina,
        contact.pk,
        org.sales,
    )
    assert change.old_value is None
    assert change.new_value["name"] == "Dana Ilie"
    assert change.new_value["duty_from"] == "09:00" and change.new_value["duty_until"] == "17:00"
    assert change.new_value["backup"] is None


def test_a_contact_change_records_only_the_fields_that_changed(org, sabina):
    radu = KeyContact.objects.create(department=org.sales, name="Radu Ene", role="Key accounts")
    dana = KeyContact.objects.create(department=org.sales, name="Dana Ilie", role="Sales")

    actions.do_change_contact(dana, by=sabina, role="Sales lead", backup=radu, name="Dana Ilie")

    dana.refresh_from_db()
    assert (dana.role, dana.backup) == ("Sales lead", radu)
    change = only_change()
    assert change.kind == ConfigurationChangeKind.CONTACT_CHANGED
    assert change.old_value == {"role": "Sales", "backup": None}
    assert change.new_value == {"role": "Sales lead", "backup": "Radu Ene"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"duty_days": "89"}, "duty_days"),
        ({"duty_from": time(9)}, "duty_until"),
        ({"name": ""}, "name"),
        ({"email": "not an address"}, "email"),
    ],
)
def test_a_contact_breaking_the_models_rules_is_refused_naming_the_field(
    org, sabina, changes, field
):
    dana = KeyContact.objects.create(department=org.sales, name="Dana Ilie", role="Sales")

    with pytest.raises(InvalidInput) as refused:
        actions.do_change_contact(dana, by=sabina, **changes)

    assert refused.value.field == field
    assert KeyContact.objects.get(pk=dana.pk).duty_days == "12345"
    assert KeyContact.objects.get(pk=dana.pk).name == "Dana Ilie"
    assert not ConfigurationChange.objects.exists()


def test_a_backup_from_another_department_is_refused_naming_the_backup(org, sabina):
    elsewhere = KeyContact.objects.create(department=org.cs, name="Ioana", role="Lead")

    with pytest.raises(InvalidInput) as refused:
        actions.do_add_contact(
            by=sabina, department=org.sales, name="Mia", role="Quotes", backup=elsewhere
        )

    assert refused.value.field == "backup"
    assert not KeyContact.objects.filter(name="Mia").exists()


@pytest.mark.parametrize("who", ["elena", "ioana", "outsider"])
def test_agents_and_leads_of_other_departments_are_refused_contact_changes(org, who):
    actor = getattr(org, who)
    dana = KeyContact.objects.create(department=org.sales, name="Dana Ilie", role="Sales")

    with pytest.raises(NotAllowed):
        actions.do_add_contact(by=actor, department=org.sales, name="X", role="Y")
    with pytest.raises(NotAllowed):
        actions.do_change_contact(dana, by=actor, role="Boss")
    with pytest.raises(NotAllowed):
        actions.do_remove_contact(dana, by=actor)

    assert list(KeyContact.objects.values_list("name", "role")) == [("Dana Ilie", "Sales")]
    assert not ConfigurationChange.objects.exists()


def test_removing_a_contact_leaves_who_it_backed_up_without_a_backup_and_is_recorded(org, sabina):
    radu = KeyContact.objects.create(department=org.sales, name="Radu Ene", role="Key accounts")
    dana = KeyContact.objects.create(department=org.sales, name="Dana", role="Sales", backup=radu)

    actions.do_remove_contact(radu, by=org.andrei, now=NOW)

    assert KeyContact.objects.get(pk=dana.pk).backup is None
    change = only_change()
    assert change.kind == ConfigurationChangeKind.CONTACT_REMOVED
    assert change.object_repr == "Radu Ene · Sales"
    assert change.old_value["role"] == "Key accounts" and change.new_value is None


# Bulletins


def test_a_member_posts_news_authored_and_dated_by_the_action(org):
    category = CategoryFactory(slug="delivery")

    bulletin = actions.do_post_bulletin(
        by=org.elena,
        department=org.sales,
        title="X200 out of stock",
        body="Offer the X210.",
        kind=BulletinKind.OUT_OF_STOCK,
        categories=[category],
        now=NOW,
    )

    bulletin = Bulletin.objects.get(pk=bulletin.pk)
    assert (bulletin.author, bulletin.posted_at, bulletin.department) == (org.elena, NOW, org.sales)
    assert list(bulletin.categories.all()) == [category]


@pytest.mark.parametrize("who", ["ana", "outsider"])
def test_posting_for_a_department_one_is_not_in_is_refused(org, who):
    with pytest.raises(NotAllowed):
        actions.do_post_bulletin(by=getattr(org, who), department=org.sales, title="T", body="B")

    assert not Bulletin.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": ""}, "title"),
        ({"body": ""}, "body"),
        ({"kind": "gossip"}, "kind"),
        ({"expires_at": NOW}, "expires_at"),
        ({"expires_at": NOW - timedelta(days=1)}, "expires_at"),
    ],
)
def test_bad_news_is_refused_naming_the_field(org, fields, field):
    data = {"title": "T", "body": "B", **fields}

    with pytest.raises(InvalidInput) as refused:
        actions.do_post_bulletin(by=org.elena, department=org.sales, now=NOW, **data)

    assert refused.value.field == field
    assert not Bulletin.objects.exists()


@pytest.fixture
def x200(org):
    return actions.do_post_bulletin(
        by=org.elena, department=org.sales, title="X200 out of stock", body="…", now=NOW
    )


@pytest.mark.parametrize("who", ["elena", "andrei"])
def test_the_author_and_managers_edit_a_bulletin(org, x200, who):
    actions.do_edit_bulletin(x200, by=getattr(org, who), title="X200 back on Friday", pinned=True)

    x200.refresh_from_db()
    assert (x200.title, x200.pinned, x200.author) == ("X200 back on Friday", True, org.elena)


@pytest.mark.parametrize("who", ["ana", "outsider"])
def test_others_are_refused_editing_and_expiring_a_bulletin(org, x200, who):
    with pytest.raises(NotAllowed):
        actions.do_edit_bulletin(x200, by=getattr(org, who), title="Hacked")
    with pytest.raises(NotAllowed):
        actions.do_expire_bulletin(x200, by=getattr(org, who))

    x200.refresh_from_db()
    assert (x200.title, x200.expires_at) == ("X200 out of stock", None)


def test_moving_a_bulletin_to_a_department_one_may_not_post_for_is_refused(org, x200):
    with pytest.raises(NotAllowed):
        actions.do_edit_bulletin(x200, by=org.elena, department=org.cs)

    assert Bulletin.objects.get(pk=x200.pk).department == org.sales


def test_an_edit_setting_an_expiry_in_the_past_is_refused_naming_it(org, x200):
    with pytest.raises(InvalidInput) as refused:
        actions.do_edit_bulletin(x200, by=org.elena, expires_at=timezone.now())

    assert refused.value.field == "expires_at"
    assert Bulletin.objects.get(pk=x200.pk).expires_at is None


def test_expiring_a_bulletin_ends_it_now_and_expiring_it_again_changes_nothing(org, x200):
    later = NOW + timedelta(hours=2)

    actions.do_expire_bulletin(x200, by=org.elena, now=later)
    actions.do_expire_bulletin(x200, by=org.elena, now=later + timedelta(hours=1))

    assert Bulletin.objects.get(pk=x200.pk).expires_at == later


def test_news_posted_for_later_and_expired_now_ends_a_second_after_posting(org, x200):
    actions.do_expire_bulletin(x200, by=org.andrei, now=NOW - timedelta(hours=1))

    assert Bulletin.objects.get(pk=x200.pk).expires_at == NOW + timedelta(seconds=1)


# The record


def test_the_configuration_record_is_append_only(org):
    actions.do_change_tier_time(org.t2, by=org.andrei, resolve_within=timedelta(hours=8))
    change = only_change()

    with pytest.raises(TypeError):
        change.save()
    with pytest.raises(TypeError):
        change.delete()
    with pytest.raises(TypeError):
        ConfigurationChange.objects.update(changed_by_name="someone else")
    with pytest.raises(TypeError):
        ConfigurationChange.objects.all().delete()
    assert only_change().changed_by_name == "andrei"


def test_the_record_outlives_the_person_who_made_the_change(org):
    actions.do_change_tier_time(org.t2, by=org.andrei, resolve_within=timedelta(hours=8))

    org.andrei.delete()

    change = only_change()
    assert (change.changed_by, change.changed_by_name) == (None, "andrei")


# Preferences


def test_each_person_sets_their_own_preferences_once_and_again(org):
    from departments.models import StaffPreferences

    actions.do_change_preferences(by=org.ana, weekly_digest=False)
    actions.do_change_preferences(by=org.ana, weekly_digest=True)

    assert list(StaffPreferences.objects.values_list("user__username", "weekly_digest")) == [
        ("ana", True)
    ]


def test_nobody_signed_in_has_preferences_to_set(org):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotAllowed):
        actions.do_change_preferences(by=AnonymousUser(), weekly_digest=False)
