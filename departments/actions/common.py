"""Every write of the organisation: tier times, memberships, key contacts, bulletins and
each person's preferences.

Each ``do_*`` tests the move's one predicate from ``departments.permissions`` (NotAllowed,
403), locks the row it changes, validates with the model's own rules (InvalidInput naming
the field) and changes it. Configuration that moves deadlines or responsibility (a tier's
time, a membership, a key contact) also writes one ``ConfigurationChange`` in the same
transaction, with the values before and after as they read at the time.
"""

from collections.abc import Iterable
from datetime import datetime, time
from typing import TypedDict

from django.contrib.auth.models import User
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models

from core.errors import InvalidInput
from departments.models import (
    Category,
    ConfigurationChange,
    ConfigurationChangeKind,
    Department,
    KeyContact,
)

CONTACT_FIELDS = (
    "name",
    "role",
    "phone",
    "email",
    "user",
    "hours",
    "backup",
    "duty_days",
    "duty_from",
    "duty_until",
    "position",
)
BULLETIN_FIELDS = ("department", "title", "body", "kind", "categories", "pinned", "expires_at")

# The values a ``ConfigurationChange`` records before and after (stored as JSON).
Values = dict[str, object]


class ContactFields(TypedDict, total=False):
    """A key contact's fields that ``do_add_contact`` and ``do_change_contact`` take."""

    name: str
    role: str
    phone: str
    email: str
    user: User | None
    hours: str
    backup: KeyContact | None
    duty_days: str
    duty_from: time | None
    duty_until: time | None
    position: int


class BulletinChanges(TypedDict, total=False):
    """A bulletin's fields that ``do_edit_bulletin`` may change."""

    department: Department
    title: str
    body: str
    kind: str
    categories: Iterable[Category | int]
    pinned: bool
    expires_at: datetime | None


def _invalid(error: ValidationError) -> InvalidInput:
    """The first of a model's validation errors, naming its field."""
    if hasattr(error, "error_dict"):
        field, errors = next(iter(error.error_dict.items()))
        return InvalidInput(
            ValidationError(errors).messages[0], field=None if field == NON_FIELD_ERRORS else field
        )
    return InvalidInput(error.messages[0])


def _clean(instance: models.Model) -> None:
    try:
        instance.full_clean()
    except ValidationError as error:
        raise _invalid(error) from None


def _refuse_unknown(fields: Iterable[str], allowed: Iterable[str]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        # A caller's bug, not a user's mistake: fail loudly rather than ignore a field.
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")


def _record(
    kind: ConfigurationChangeKind,
    *,
    by: User,
    now: datetime,
    department_id: int | None,
    object_id: int,
    object_repr: str,
    old: Values | None = None,
    new: Values | None = None,
) -> None:
    ConfigurationChange.objects.create(
        changed_at=now,
        changed_by=by,
        changed_by_name=by.get_username(),
        kind=kind,
        department_id=department_id,
        object_id=object_id,
        object_repr=object_repr[:300],
        old_value=old,
        new_value=new,
    )


def _difference(before: Values, after: Values) -> tuple[Values, Values]:
    changed = [key for key in after if after[key] != before.get(key)]
    return {key: before.get(key) for key in changed}, {key: after[key] for key in changed}


# Tier times
