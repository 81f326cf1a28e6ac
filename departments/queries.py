"""Reads about the organisation that several places need."""

from django.conf import settings
from django.db.models import Prefetch

from departments.models import Department, Membership, Tier


def front_line_department() -> Department | None:
    return Department.objects.filter(slug=settings.TIERDESK_FRONT_LINE_DEPARTMENT).first()


def departments_with_tiers():
    return Department.objects.prefetch_related(Prefetch("tiers", queryset=Tier.objects.order_by("level")))


def first_tier(department: Department) -> Tier | None:
    return Tier.objects.filter(department=department).order_by("level").first()


def next_tier(tier: Tier) -> Tier | None:
    return Tier.objects.filter(department_id=tier.department_id, level__gt=tier.level).order_by("level").first()


def memberships_of(user):
    """Return the user's memberships (cached on the user object for the request)."""
    cached = getattr(user, "_tierdesk_memberships", None)
    if cached is None:
        if not user.is_authenticated:
            cached = []
        else:
            cached = list(Membership.objects.filter(user=user).select_related("tier", "department"))
        user._tierdesk_memberships = cached
    return cached


def membership_at(user, tier_id: int) -> Membership | None:
    return next((m for m in memberships_of(user) if m.tier_id == tier_id), None)


def department_ids_of(user) -> set[int]:
    return {m.department_id for m in memberships_of(user)}


def members_of_tier(tier: Tier):
    return Membership.objects.filter(tier=tier).select_related("user")


def leads_of_tier(tier_id: int):
    return Membership.objects.filter(tier_id=tier_id, is_lead=True, user__is_active=True).select_related("user")
