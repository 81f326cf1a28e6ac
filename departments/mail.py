"""Emails to staff go out in each recipient's language: one email per language among them.

A staff member's language is the one they chose (header menu or preferences); anyone who
chose none, and an address that belongs to no user, gets English (``LANGUAGE_CODE``).
"""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db.models import F

from core import languages
from outbox.actions import queue_emails
from outbox.models import OutboundEmail
from outbox.rendering import rendered_email


def languages_of_addresses(addresses: Iterable[str]) -> dict[str, str]:
    """The language of each address's owner (one query); English where nobody chose."""
    wanted = sorted({a for a in addresses if a})
    if not wanted:
        return {}
    chosen: dict[str, str] = {}
    rows = (
        get_user_model()
        .objects.filter(email__in=wanted, is_active=True)
        .annotate(language=F("tierdesk_preferences__language"))
        .values_list("email", "language")
    )
    for email, language in rows:
        # Two accounts sharing an address: the first explicit choice wins.
        if not chosen.get(email):
            chosen[email] = language or ""
    return {address: languages.or_default(chosen.get(address)) for address in wanted}


def staff_emails(
    kind: str,
    addresses: Iterable[str],
    context: dict,
    *,
    template: str | None = None,
    spoken: dict[str, str] | None = None,
) -> list[OutboundEmail]:
    """Unsaved emails of ``kind``: one per language among ``addresses``.

    ``spoken`` is ``languages_of_addresses`` computed once for several emails (the sweep's).
    """
    addresses = sorted({a for a in addresses if a})
    if spoken is None:
        spoken = languages_of_addresses(addresses)
    groups: dict[str, list[str]] = {}
    for address in addresses:
        groups.setdefault(spoken.get(address) or languages.or_default(None), []).append(address)
    return [
        rendered_email(kind, group, context, template=template, language=language)
        for language, group in sorted(groups.items())
    ]


def queue_staff_email(
    kind: str, addresses: Iterable[str], context: dict, *, template: str | None = None
) -> list[OutboundEmail]:
    """Render and queue ``kind`` for ``addresses``, each in their own language."""
    return queue_emails(staff_emails(kind, addresses, context, template=template))
