"""A tier's time and who sits where: each change writes an audit row."""

from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.duration import duration_string
from django.utils.translation import gettext as _

from core.errors import InvalidInput, NotAllowed
from departments import permissions
from departments.actions.common import Values, _clean, _difference, _record
from departments.models import (
    ConfigurationChangeKind,
    Membership,
    Tier,
    validate_resolve_within,
)
from departments.signals import working_time_changed


def do_change_tier_time(
    tier: Tier, *, by: User, resolve_within: object, now: datetime | None = None
) -> Tier:
    """Set how long tickets may stay at ``tier`` before they are escalated.

    The open tickets already at the tier get the new time too: ``working_time_changed`` is
    sent inside the transaction and the tickets app recomputes their ``due_at`` from when
    they entered the tier (invariant 4), in one set-based update; no handoff is written.
    ``resolve_within`` is whatever the caller was given: anything but a duration is refused.
    """
    if not permissions.can_change_tier_time(by):
        raise NotAllowed(_("Only managers can change a tier's time."))
    if not isinstance(resolve_within, timedelta):
        raise InvalidInput(_("Give a duration."), field="resolve_within")
    try:
        validate_resolve_within(resolve_within)
    except ValidationError as error:
        raise InvalidInput(error.messages[0], field="resolve_within") from None
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            Tier.objects.select_for_update(of=("self",))
            .select_related("department")
            .get(pk=tier.pk)
        )
        previous = locked.resolve_within
        if previous == resolve_within:
            return locked
        locked.resolve_within = resolve_within
        locked.save(update_fields=["resolve_within"])
        _record(
            ConfigurationChangeKind.TIER_TIME,
            by=by,
            now=now,
            department_id=locked.department_id,
            object_id=locked.pk,
            object_repr=str(locked),
            old={"resolve_within": duration_string(previous)},
            new={"resolve_within": duration_string(resolve_within)},
        )
        working_time_changed.send(sender=Tier, tier_ids=[locked.pk], department_ids=None, now=now)
    return locked


# Memberships


def membership_change_refusal() -> NotAllowed:
    return NotAllowed(_("Only managers can change who sits at which tier."))


def _membership_values(membership: Membership) -> Values:
    return {"tier": str(membership.tier), "is_lead": membership.is_lead}


def _membership_repr(membership: Membership) -> str:
    return f"{membership.user.get_username()} · {membership.department.name}"


def _forget_cached_memberships(user: User) -> None:
    # ``memberships_of`` caches on the user object; the same object may be read again
    # in this request (the admin, a test), so it must not see the seat as it was.
    user.__dict__.pop("_tierdesk_memberships", None)


def do_add_membership(
    *, by: User, user: User, tier: Tier, is_lead: bool = False, now: datetime | None = None
) -> Membership:
    """Give ``user`` a seat at ``tier`` (one seat per department)."""
    if not permissions.can_manage_memberships(by):
        raise membership_change_refusal()
    department = tier.department
    if Membership.objects.filter(user=user, department=department).exists():
        raise InvalidInput(
            _("%(user)s already has a seat in %(d)s.")
            % {"user": user.get_username(), "d": department.name},
            field="user",
        )
    membership = Membership(user=user, department=department, tier=tier, is_lead=is_lead)
    _clean(membership)
    now = now or timezone.now()
    with transaction.atomic():
        membership.save()
        _record(
            ConfigurationChangeKind.MEMBERSHIP_ADDED,
            by=by,
            now=now,
            department_id=department.pk,
            object_id=membership.pk,
            object_repr=_membership_repr(membership),
            new=_membership_values(membership),
        )
    _forget_cached_memberships(user)
    return membership


def do_change_membership(
    membership: Membership,
    *,
    by: User,
    tier: Tier | None = None,
    is_lead: bool | None = None,
    now: datetime | None = None,
) -> Membership:
    """Move a member to another tier of the same department and/or make or unmake them lead.

    ``None`` keeps the current value. A call that changes nothing records nothing.
    """
    if not permissions.can_manage_memberships(by):
        raise membership_change_refusal()
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            Membership.objects.select_for_update(of=("self",))
            .select_related("user", "department", "tier")
            .get(pk=membership.pk)
        )
        before = _membership_values(locked)
        if tier is not None:
            if tier.department_id != locked.department_id:
                raise InvalidInput(
                    _("The tier must belong to the membership's department."), field="tier"
                )
            locked.tier = tier
        if is_lead is not None:
            locked.is_lead = is_lead
        old, new = _difference(before, _membership_values(locked))
        if not new:
            return locked
        locked.save(update_fields=["tier", "is_lead"])
        _record(
            ConfigurationChangeKind.MEMBERSHIP_CHANGED,
            by=by,
            now=now,
            department_id=locked.department_id,
            object_id=locked.pk,
            object_repr=_membership_repr(locked),
            old=old,
            new=new,
        )
    _forget_cached_memberships(membership.user)
    return locked


def do_remove_membership(membership: Membership, *, by: User, now: datetime | None = None) -> None:
    """Take a member's seat in a department away."""
    if not permissions.can_manage_memberships(by):
        raise membership_change_refusal()
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            Membership.objects.select_for_update(of=("self",))
            .select_related("user", "department", "tier")
            .get(pk=membership.pk)
        )
        _record(
            ConfigurationChangeKind.MEMBERSHIP_REMOVED,
            by=by,
            now=now,
            department_id=locked.department_id,
            object_id=locked.pk,
            object_repr=_membership_repr(locked),
            old=_membership_values(locked),
        )
        locked.delete()
    _forget_cached_memberships(membership.user)


# Key contacts
