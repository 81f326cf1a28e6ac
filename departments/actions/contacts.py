"""A department's key contacts: each change writes an audit row."""

from datetime import datetime
from typing import Unpack

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import NotAllowed
from departments import permissions
from departments.actions.common import (
    CONTACT_FIELDS,
    ContactFields,
    Values,
    _clean,
    _difference,
    _record,
    _refuse_unknown,
)
from departments.models import (
    ConfigurationChangeKind,
    Department,
    KeyContact,
)


def contact_change_refusal(department: Department) -> NotAllowed:
    """Why ``department``'s contacts may not be changed; the screens show the same words."""
    return NotAllowed(
        _("Only the leads of %(d)s and managers can change its contacts.") % {"d": department.name}
    )


def _contact_values(contact: KeyContact) -> Values:
    """The contact as the record shows it: names for people, times as HH:MM."""
    # Read through the ids first, as before: no query for a person or backup not set.
    user = contact.user if contact.user_id else None
    backup = contact.backup if contact.backup_id else None
    return {
        "name": contact.name,
        "role": contact.role,
        "phone": contact.phone,
        "email": contact.email,
        "user": user.get_username() if user is not None else None,
        "hours": contact.hours,
        "backup": backup.name if backup is not None else None,
        "duty_days": contact.duty_days,
        "duty_from": contact.duty_from.strftime("%H:%M") if contact.duty_from else None,
        "duty_until": contact.duty_until.strftime("%H:%M") if contact.duty_until else None,
        "position": contact.position,
    }


def do_add_contact(
    *,
    by: User,
    department: Department,
    now: datetime | None = None,
    **fields: Unpack[ContactFields],
) -> KeyContact:
    """Add a key contact to ``department``'s directory entry."""
    _refuse_unknown(fields, CONTACT_FIELDS)
    if not permissions.can_manage_contacts(by, department):
        raise contact_change_refusal(department)
    contact = KeyContact(department=department, **fields)
    _clean(contact)
    now = now or timezone.now()
    with transaction.atomic():
        contact.save()
        _record(
            ConfigurationChangeKind.CONTACT_ADDED,
            by=by,
            now=now,
            department_id=department.pk,
            object_id=contact.pk,
            object_repr=f"{contact.name} · {department.name}",
            new=_contact_values(contact),
        )
    return contact


def do_change_contact(
    contact: KeyContact, *, by: User, now: datetime | None = None, **changes: Unpack[ContactFields]
) -> KeyContact:
    """Change a key contact's fields (those named in ``changes``; the department stays).

    A call that changes nothing records nothing.
    """
    _refuse_unknown(changes, CONTACT_FIELDS)
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            KeyContact.objects.select_for_update(of=("self",))
            .select_related("department")
            .get(pk=contact.pk)
        )
        if not permissions.can_manage_contacts(by, locked.department):
            raise contact_change_refusal(locked.department)
        before = _contact_values(locked)
        for field, value in changes.items():
            setattr(locked, field, value)
        _clean(locked)
        old, new = _difference(before, _contact_values(locked))
        if not new:
            return locked
        locked.save(update_fields=list(changes))
        _record(
            ConfigurationChangeKind.CONTACT_CHANGED,
            by=by,
            now=now,
            department_id=locked.department_id,
            object_id=locked.pk,
            object_repr=f"{locked.name} · {locked.department.name}",
            old=old,
            new=new,
        )
    return locked


def do_remove_contact(contact: KeyContact, *, by: User, now: datetime | None = None) -> None:
    """Remove a key contact; whoever had them as backup is left without one."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            KeyContact.objects.select_for_update(of=("self",))
            .select_related("department")
            .get(pk=contact.pk)
        )
        if not permissions.can_manage_contacts(by, locked.department):
            raise contact_change_refusal(locked.department)
        _record(
            ConfigurationChangeKind.CONTACT_REMOVED,
            by=by,
            now=now,
            department_id=locked.department_id,
            object_id=locked.pk,
            object_repr=f"{locked.name} · {locked.department.name}",
            old=_contact_values(locked),
        )
        # Backups pointing here are set to nobody by the foreign key (SET_NULL).
        locked.delete()


# Bulletins
