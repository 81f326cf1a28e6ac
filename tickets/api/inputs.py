"""What the API accepts: one input serializer per operation.

They only shape and look up input (types, lengths, slugs, usernames, references) so a bad
body is a 400 naming the field; every rule about tickets is checked again by the
``tickets.actions`` function the view calls. Unknown fields are ignored.
"""

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import APIException
from rest_framework.request import Request

from core.api.fields import Email, SlugLookupField, Text
from core.http import MAX_ID, row_id
from departments.models import Department
from tickets.actions import MAX_TEXT
from tickets.api.common import validated
from tickets.models import Category, Channel, Customer, Priority, parse_reference
from tickets.queries import tickets_visible_to


def validated_unless_refused(
    input_class: type[serializers.Serializer], request: Request, refuse: Callable[[], object]
) -> dict:
    """The body checked by ``input_class`` (``tickets.api.common.validated``); when it is bad,
    ``refuse()`` runs first and raises the 404 or 403 of a user who may not make the move at
    all, so that a refusal never depends on the body.

    Only a bad body pays for the extra look-up: a good one goes on to the ``check_*``
    entry point, which refuses the same way.
    """
    try:
        return validated(input_class, request)
    except APIException:
        refuse()
        raise


NO_SUCH_DEPARTMENT = {"does_not_exist": _('No department has the slug "{value}".')}
NO_SUCH_CATEGORY = {"does_not_exist": _('No category has the slug "{value}".')}


class NewCustomerInput(serializers.Serializer):
    name = Text(max_length=200)
    email = Email(allow_blank=True, default="")
    phone = Text(max_length=40, allow_blank=True, default="")
    external_reference = Text(max_length=100, allow_blank=True, default="")
    # The language the customer's survey and emails use; English when not given.
    language = serializers.ChoiceField(choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE)

    def validate(self, data):
        if not (data["phone"] or data["email"]):
            raise serializers.ValidationError(
                {"phone": [_("Give a phone number or an email so we can reach the customer.")]}
            )
        return data


_NEW_CUSTOMER_SCHEMA = {
    "type": "object",
    "description": "A new customer, created together with the ticket.",
    "properties": {
        "name": {"type": "string", "maxLength": 200},
        "email": {"type": "string", "format": "email"},
        "phone": {"type": "string", "maxLength": 40},
        "external_reference": {"type": "string", "maxLength": 100},
        "language": {"type": "string", "enum": [code for code, _name in settings.LANGUAGES]},
    },
    "required": ["name"],
}


@extend_schema_field(
    {
        "oneOf": [
            {
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_ID,
                "description": "An existing customer's id.",
            },
            _NEW_CUSTOMER_SCHEMA,
        ]
    }
)
class CustomerField(serializers.Field):
    """An existing customer's id (gives the Customer) or a new customer's details (gives a dict).

    The new customer is not saved here: the view creates it in the same transaction as
    the ticket, so a refused ticket leaves no customer behind.
    """

    default_error_messages = {
        "invalid": _(
            "Give an existing customer's id or a new customer's details (name, and phone or email)."
        ),
        "does_not_exist": _("No customer has the id {value}."),
    }

    def to_internal_value(self, data):
        if isinstance(data, dict):
            details = NewCustomerInput(data=data)
            if not details.is_valid():
                raise serializers.ValidationError(details.errors)
            return dict(details.validated_data)
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        pk = row_id(data)
        customer = None if pk is None else Customer.objects.filter(pk=pk).first()
        if customer is None:
            self.fail("does_not_exist", value=data)
        return customer

    def to_representation(self, value):
        return value.pk if isinstance(value, Customer) else value


class TicketCreateInput(serializers.Serializer):
    subject = Text(max_length=200)
    description = Text(max_length=MAX_TEXT, allow_blank=True, default="")
    customer = CustomerField()
    department = SlugLookupField(
        Department.objects.all(),
        error_messages=NO_SUCH_DEPARTMENT,
        required=False,
        allow_null=True,
        help_text=_("The department's slug; the front line when left out."),
    )
    category = SlugLookupField(
        Category.objects.all(), error_messages=NO_SUCH_CATEGORY, required=False, allow_null=True
    )
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.PHONE)
    previous_ticket = Text(
        max_length=30,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text=_("Reference of an earlier ticket of the same customer: a returning customer."),
    )

    def validate_previous_ticket(self, value):
        if not value:
            return None
        ticket_id = parse_reference(value)
        user = self.context["request"].user
        earlier = tickets_visible_to(user).filter(pk=ticket_id).first() if ticket_id else None
        if earlier is None:
            raise serializers.ValidationError(_("No such ticket."))
        return earlier

    def validate(self, data):
        earlier, customer = data.get("previous_ticket"), data["customer"]
        if earlier is not None and not (
            isinstance(customer, Customer) and earlier.customer_id == customer.pk
        ):
            raise serializers.ValidationError(
                {
                    "previous_ticket": [
                        _("The earlier ticket must be one of this customer's tickets.")
                    ]
                }
            )
        return data


def _note(*, required: bool, help_text=None):
    if required:
        return Text(max_length=MAX_TEXT, help_text=help_text)
    return Text(max_length=MAX_TEXT, allow_blank=True, default="", help_text=help_text)


class ClaimInput(serializers.Serializer):
    """Claiming needs no input; the body must still be a JSON object (or empty)."""


class ReleaseInput(serializers.Serializer):
    note = _note(required=False, help_text=_("Why the ticket goes back to the queue."))


class AssignInput(serializers.Serializer):
    to = Text(max_length=150, help_text=_("Username of a member of the ticket's tier."))
    note = _note(required=False)

    def validate_to(self, value):
        user = get_user_model().objects.filter(username=value, is_active=True).first()
        if user is None:
            raise serializers.ValidationError(
                _('No active user is called "%(name)s".') % {"name": value}
            )
        return user


class PassUpInput(serializers.Serializer):
    note = _note(required=True, help_text=_("What was tried: the next tier starts from here."))


class TransferInput(serializers.Serializer):
    department = SlugLookupField(
        Department.objects.all(),
        error_messages=NO_SUCH_DEPARTMENT,
        help_text=_("The receiving department's slug."),
    )
    note = _note(required=True, help_text=_("Why this department."))


class ResolveInput(serializers.Serializer):
    resolution = Text(
        max_length=MAX_TEXT, help_text=_("What was done: the ticket closes for good.")
    )


class NoteInput(serializers.Serializer):
    body = Text(max_length=MAX_TEXT)
    internal = serializers.BooleanField(
        default=True, help_text=_("Internal notes are never shown to the customer.")
    )
    customer_answer = serializers.BooleanField(
        default=False,
        help_text=_(
            "The note is the customer's answer: on a ticket waiting on the customer it"
            " restarts the clock."
        ),
    )


class PauseInput(serializers.Serializer):
    reason = _note(required=True, help_text=_("What we asked the customer for."))


class ResumeInput(serializers.Serializer):
    note = _note(required=False, help_text=_("Why the clock restarts (optional)."))

