"""Reads about the organisation that several places need."""

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q, QuerySet

from core.rows import remember
from departments.models import Department, Membership, Tier
from departments.roles import MANAGERS_GROUP

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from departments.calendars import WorkingHours
    from departments.models import Bulletin, KeyContact


def front_line_department() -> Department | None:
    return Department.objects.filter(slug=settings.TIERDESK_FRONT_LINE_DEPARTMENT).first()


def departments_with_tiers() -> QuerySet[Department]:
    return Department.objects.prefetch_related(Prefetch("tiers", queryset=Tier.objects.order_by("level")))


def first_tier(department: Department) -> Tier | None:
    return Tier.objects.filter(department=department).order_by("level").first()


def next_tier(tier: Tier) -> Tier | None:
    return Tier.objects.filter(department_id=tier.department_id, level__gt=tier.level).order_by("level").first()


def memberships_of(user: Any) -> list[Membership]:
    """Return the user's memberships (cached on the user object for the request)."""
    cached: list[Membership] | None = getattr(user, "_tierdesk_memberships", None)
    if cached is None:
        if not user.is_authenticated:
            cached = []
        else:
            cached = list(Membership.objects.filter(user=user).select_related("tier", "department"))
        user._tierdesk_memberships = cached
    return cached


def membership_at(user: Any, tier_id: int) -> Membership | None:
    return next((m for m in memberships_of(user) if m.tier_id == tier_id), None)


def department_ids_of(user: Any) -> set[int]:
    return {m.department_id for m in memberships_of(user)}


def members_of_tier(tier: Tier) -> list[Membership]:
    """A tier's seats with their people; the people are kept for the rest of a page's lists
    (``core.rows.remember``), whose owners are mostly among them."""
    members = list(Membership.objects.filter(tier=tier).select_related("user"))
    remember(m.user for m in members)
    return members


def leads_of_tier(tier_id: int) -> QuerySet[Membership]:
    return Membership.objects.filter(tier_id=tier_id, is_lead=True, user__is_active=True).select_related("user")


def current_bulletins(now: datetime, *, department: Department | None = None) -> "QuerySet[Bulletin]":
    """Bulletins in force at ``now``: pinned first, then newest."""
    from django.db.models import Q

    from departments.models import Bulletin

    bulletins = Bulletin.objects.filter(posted_at__lte=now).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    if department is not None:
        bulletins = bulletins.filter(department=department)
    return bulletins.select_related("department", "author").prefetch_related("categories").order_by(
        "-pinned", "-posted_at", "-id"
    )


def bulletins_for_category(now: datetime, category_id: int | None, limit: int = 10) -> "list[Bulletin]":
    """Current bulletins with those about ``category_id`` first (then pinned, then newest)."""
    from django.db.models import Case, Exists, IntegerField, OuterRef, Value, When

    from departments.models import Bulletin

    bulletins = current_bulletins(now)
    if category_id:
        about = Bulletin.categories.through.objects.filter(bulletin_id=OuterRef("pk"), category_id=category_id)
        bulletins = bulletins.annotate(
            matches=Case(When(Exists(about), then=Value(1)), default=Value(0), output_field=IntegerField())
        ).order_by("-matches", "-pinned", "-posted_at", "-id")
    return list(bulletins[:limit])


def bulletins_posted_between(start: datetime, end: datetime) -> "QuerySet[Bulletin]":
    from departments.models import Bulletin

    return (
        Bulletin.objects.filter(posted_at__gte=start, posted_at__lt=end)
        .select_related("department")
        .order_by("department__name", "-pinned", "posted_at")
    )


def directory(search: str = "") -> QuerySet[Department]:
    """Departments with their tiers and contacts, optionally narrowed by a search text."""
    from django.db.models import Q

    from departments.models import KeyContact

    departments = departments_with_tiers().prefetch_related(
        Prefetch("contacts", queryset=KeyContact.objects.select_related("backup", "user").order_by("position", "name"))
    )
    search = search.strip()
    if search:
        departments = departments.filter(
            Q(name__icontains=search) | Q(description__icontains=search)
            | Q(contacts__name__icontains=search) | Q(contacts__role__icontains=search)
            | Q(bulletins__title__icontains=search)
        ).distinct()
    return departments


def on_duty(
    contacts: "Iterable[KeyContact]", now: datetime, shifts: "dict[int, WorkingHours] | None" = None
) -> "list[KeyContact]":
    """The contacts on duty at ``now``.

    A contact who is a member of the department with shifts of their own (a membership
    calendar) is on duty when those shifts say so: the same working hours the clock and the
    reports use. Anyone else by the contact's duty days and hours, on the organisation's clock.
    ``shifts`` is ``shifts_of_contacts`` computed once for several departments' contacts.
    """
    from zoneinfo import ZoneInfo

    from departments.calendars import is_working

    contacts = list(contacts)
    if shifts is None:
        shifts = shifts_of_contacts(contacts)
    local_now = now.astimezone(ZoneInfo(settings.TIERDESK_TIME_ZONE))
    return [
        c for c in contacts
        if (is_working(now, shifts[c.pk]) if c.pk in shifts else c.is_on_duty(local_now))
    ]


def shifts_of_contacts(contacts: "Iterable[KeyContact]") -> "dict[int, WorkingHours]":
    """{contact id: working hours} for contacts whose user has a membership calendar in the
    contact's department (one query, one more for holidays when there are any)."""
    contacts = [c for c in contacts if c.user_id is not None]
    if not contacts:
        return {}
    seats = (
        Membership.objects.filter(
            user_id__in={c.user_id for c in contacts},
            department_id__in={c.department_id for c in contacts},
            calendar__isnull=False,
        )
        .select_related("calendar")
        .prefetch_related("calendar__holidays")
    )
    hours: dict[tuple[int | None, int], WorkingHours] = {
        (m.user_id, m.department_id): m.calendar.working_hours() for m in seats if m.calendar
    }
    return {
        c.pk: hours[(c.user_id, c.department_id)]
        for c in contacts
        if (c.user_id, c.department_id) in hours
    }


def digest_recipients() -> "QuerySet[User]":
    """Active staff with an email who have not opted out of the weekly digest."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model().objects.filter(is_active=True)
        .exclude(email="")
        .exclude(tierdesk_preferences__weekly_digest=False)
        .order_by("pk")
    )


def manager_emails() -> list[str]:
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    return list(
        users.filter(Q(is_superuser=True) | Q(groups__name=MANAGERS_GROUP)).values_list("email", flat=True).distinct()
    )


def lead_emails(tier_id: int) -> list[str]:
    return [m.user.email for m in leads_of_tier(tier_id) if m.user.email]


def working_hours_by_department(ids: Iterable[int] | None = None) -> "dict[int, WorkingHours]":
    """The working hours of the departments (those among ``ids``; all when None) that have a
    calendar; the others work 24/7 and are absent. One query, and one more for holidays when
    a calendar is in use."""
    departments = Department.objects.filter(calendar__isnull=False)
    if ids is not None:
        departments = departments.filter(pk__in=set(ids))
    departments = departments.select_related("calendar").prefetch_related("calendar__holidays")
    return {d.pk: d.calendar.working_hours() for d in departments if d.calendar is not None}


def working_hours_of(department_id: int) -> "WorkingHours | None":
    """A department's working hours, or None for 24/7."""
    return working_hours_by_department([department_id]).get(department_id)
