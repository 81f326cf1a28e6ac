import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from departments.models import Membership
from tests.factories import TierFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_membership_tier_must_belong_to_its_department(org):
    membership = Membership(user=UserFactory(), department=org.sales, tier=org.t2)

    with pytest.raises(ValidationError) as error:
        membership.full_clean()

    assert "tier" in error.value.message_dict


def test_a_department_has_one_tier_per_level(org):
    with pytest.raises(IntegrityError), transaction.atomic():
        TierFactory(department=org.cs, level=2, name="Second specialists")


def test_a_person_holds_one_seat_per_department(org):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=org.ana, department=org.cs, tier=org.t2)


def test_a_new_tier_gets_the_configured_default_time(settings):
    from datetime import timedelta

    from departments.models import Department, Tier

    settings.TIERDESK_DEFAULT_RESOLVE_WITHIN = timedelta(hours=8)
    department = Department.objects.create(slug="night-desk", name="Night desk")
    assert Tier.objects.create(department=department, level=1, name="Desk").resolve_within == timedelta(hours=8)
