"""A department's news: posting, editing and expiring a bulletin."""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Unpack

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidInput, NotAllowed
from departments import permissions
from departments.actions.common import BULLETIN_FIELDS, BulletinChanges, _clean, _refuse_unknown
from departments.models import (
    Bulletin,
    BulletinKind,
    Category,
    Department,
)


def posting_refusal(department: Department) -> NotAllowed:
    """Why ``department``'s news may not be posted; the screens show the same words."""
    return NotAllowed(
        _("Only members of %(d)s and managers can post its news.") % {"d": department.name}
    )


def bulletin_change_refusal(bulletin: Bulletin) -> NotAllowed:
    """Why ``bulletin`` may not be changed; the screens show the same words."""
    return NotAllowed(
        _("Only its author, the leads of %(d)s and managers can change this bulletin.")
        % {"d": bulletin.department.name}
    )


def _check_expiry_ahead(expires_at: datetime | None, now: datetime) -> None:
    if expires_at is not None and expires_at <= now:
        raise InvalidInput(_("Choose a moment in the future."), field="expires_at")


def do_post_bulletin(
    *,
    by: User,
    department: Department,
    title: str,
    body: str,
    kind: str = BulletinKind.OTHER,
    categories: Iterable[Category | int] = (),
    pinned: bool = False,
    expires_at: datetime | None = None,
    now: datetime | None = None,
) -> Bulletin:
    """Post news for ``department``, shown from ``now``; ``by`` is its author."""
    if not permissions.can_post_bulletin(by, department):
        raise posting_refusal(department)
    now = now or timezone.now()
    _check_expiry_ahead(expires_at, now)
    bulletin = Bulletin(
        department=department,
        author=by,
        title=title,
        body=body,
        kind=kind,
        pinned=pinned,
        posted_at=now,
        expires_at=expires_at,
    )
    _clean(bulletin)
    with transaction.atomic():
        bulletin.save()
        bulletin.categories.set(categories)
    return bulletin


def do_edit_bulletin(
    bulletin: Bulletin, *, by: User, now: datetime | None = None, **changes: Unpack[BulletinChanges]
) -> Bulletin:
    """Change a bulletin's fields (those named in ``changes``).

    Moving it to another department also needs the right to post there. A new expiry must
    be ahead of ``now``; an unchanged one may already have passed.
    """
    _refuse_unknown(changes, BULLETIN_FIELDS)
    changes = changes.copy()
    categories = changes.pop("categories", None)
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            Bulletin.objects.select_for_update(of=("self",))
            .select_related("department")
            .get(pk=bulletin.pk)
        )
        if not permissions.can_edit_bulletin(by, locked):
            raise bulletin_change_refusal(locked)
        department = changes.get("department")
        if (
            department is not None
            and department.pk != locked.department_id
            and not permissions.can_post_bulletin(by, department)
        ):
            raise posting_refusal(department)
        if "expires_at" in changes and changes["expires_at"] != locked.expires_at:
            _check_expiry_ahead(changes["expires_at"], now)
        for field, value in changes.items():
            setattr(locked, field, value)
        _clean(locked)
        if changes:
            locked.save(update_fields=list(changes))
        if categories is not None:
            locked.categories.set(categories)
    return locked


def do_expire_bulletin(bulletin: Bulletin, *, by: User, now: datetime | None = None) -> Bulletin:
    """Stop showing a bulletin from ``now`` (it stays in the record and in past digests).

    An already expired bulletin is left as it is.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            Bulletin.objects.select_for_update(of=("self",))
            .select_related("department")
            .get(pk=bulletin.pk)
        )
        if not permissions.can_edit_bulletin(by, locked):
            raise bulletin_change_refusal(locked)
        if locked.expires_at is not None and locked.expires_at <= now:
            return locked
        # Expiry must come after posting (a database rule): news posted for later ends at once.
        locked.expires_at = max(now, locked.posted_at + timedelta(seconds=1))
        locked.save(update_fields=["expires_at"])
    return locked


# Preferences
