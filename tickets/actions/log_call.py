"""Logging a call: the caller (when new) and their ticket, written together."""

from datetime import datetime
from typing import TypedDict

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from core import languages
from core.errors import InvalidInput
from departments.models import Department
from tickets.actions.moves import do_open_and_resolve_ticket, do_open_ticket
from tickets.models import Category, Channel, Customer, Priority, Ticket

# What a new caller may be created with; anything else in ``new_customer`` is refused.
NEW_CUSTOMER_FIELDS = ("name", "phone", "email", "external_reference", "language")


class _CallFields(TypedDict):
    """What ``do_log_call`` hands on to the opening, besides the caller."""

    subject: str
    description: str
    department: Department | None
    category: Category | None
    priority: str
    channel: str
    previous_ticket: Ticket | None
    now: datetime | None


def do_log_call(
    *,
    by: User,
    customer: Customer | None = None,
    new_customer: dict[str, str | None] | None = None,
    subject: str,
    description: str = "",
    department: Department | None = None,
    category: Category | None = None,
    priority: str = Priority.NORMAL,
    channel: str = Channel.PHONE,
    previous_ticket: Ticket | None = None,
    resolution: str | None = None,
    customer_language: str | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Open a ticket for a known ``customer`` or a ``new_customer`` (their details).

    ``customer_language`` is the language the caller speaks, as the agent heard it: a new
    caller's, or a known customer's new one (their survey and emails use it).

    With a ``resolution`` the call was answered on the spot: the ticket is opened and
    resolved at once (``do_open_and_resolve_ticket``). One transaction, so a ticket the
    actions refuse leaves no customer row behind.
    """
    if (customer is None) == (new_customer is None):
        raise InvalidInput(_("Give either a known customer or a new caller's details."), field="customer")
    if new_customer is not None:
        unknown = set(new_customer) - set(NEW_CUSTOMER_FIELDS)
        if unknown:
            raise InvalidInput(
                _("Unknown customer detail: %(names)s.") % {"names": ", ".join(sorted(unknown))},
                field="customer",
            )
    if customer_language is not None:
        languages.check(customer_language, field="customer_language")
        if new_customer is not None:
            new_customer = {**new_customer, "language": customer_language}
    if new_customer is not None and "language" in new_customer:
        languages.check(new_customer["language"], field="language")
    fields: _CallFields = {
        "subject": subject,
        "description": description,
        "department": department,
        "category": category,
        "priority": priority,
        "channel": channel,
        "previous_ticket": previous_ticket,
        "now": now,
    }
    with transaction.atomic():
        if new_customer is not None:
            customer = Customer.objects.create(
                **{name: (value or "").strip() for name, value in new_customer.items()}
            )
        # Exactly one of the two was given (checked above): the caller is known now.
        assert customer is not None
        if customer_language is not None and customer.language != customer_language:
            customer.language = customer_language
            customer.save(update_fields=["language"])
        if resolution is not None:
            return do_open_and_resolve_ticket(by=by, customer=customer, resolution=resolution, **fields)
        return do_open_ticket(by=by, customer=customer, **fields)
