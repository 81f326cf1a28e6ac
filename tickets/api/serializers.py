"""What the API answers with: read-only views of tickets, handoffs, notes and the organisation.

Related objects appear by their public names (usernames, department slugs, tier levels,
ticket references), never by database ids, except a customer's id, which a client needs
to open the next ticket for the same customer. Every field reads only what the queries in
``tickets.queries`` and ``departments.queries`` already joined, so a list costs the same
number of queries however long it is.
"""

from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from departments.calendars import working_time_between
from departments.queries import working_hours_by_department
from tickets.models import Customer, Handoff, Note, Ticket, format_reference
from tickets.rules import allowed_moves


@extend_schema_field(OpenApiTypes.STR)
class ReferenceField(serializers.Field):
    """A ticket id shown as its reference (``T-000123``), without loading the ticket."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return format_reference(value)


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "format": "email"},
            {"type": "string", "maxLength": 0},
        ],
        "description": "Empty when the customer left only a phone number.",
    }
)
class OptionalEmailField(serializers.CharField):
    """A customer's email, or "" when they gave only a phone: not always an email address."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)


@extend_schema_serializer(component_name="Customer")
class CustomerOutput(serializers.ModelSerializer):
    # A customer opened with a phone only has email "": documented as the model's EmailField
    # alone, the answer would break its own schema (format "email").
    email = OptionalEmailField()

    class Meta:
        model = Customer
        fields = ["id", "name", "email", "phone", "external_reference", "language"]
        read_only_fields = fields


@extend_schema_serializer(component_name="Ticket")
class TicketOutput(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    department = serializers.CharField(source="department.slug", read_only=True)
    tier = serializers.IntegerField(
        source="tier.level", read_only=True, help_text=_("The tier's level.")
    )
    tier_name = serializers.CharField(source="tier.name", read_only=True)
    owner = serializers.CharField(source="owner.username", read_only=True, allow_null=True)
    customer = CustomerOutput(read_only=True)
    category = serializers.CharField(source="category.slug", read_only=True, allow_null=True)
    resolved_by = serializers.CharField(
        source="resolved_by.username", read_only=True, allow_null=True
    )
    previous_ticket = ReferenceField(
        source="previous_ticket_id",
        allow_null=True,
        help_text=_("The earlier ticket this one follows up."),
    )
    allowed_moves = serializers.SerializerMethodField(
        help_text=_(
            "The moves you may make on the ticket now (claim, release, assign, pass, transfer,"
            " resolve, note, pause, resume)."
        )
    )
    pause_time_left_seconds = serializers.SerializerMethodField(
        help_text=_(
            "While the ticket waits on the customer: the working time, in seconds, left at its"
            " tier when the clock stopped. Null otherwise."
        )
    )

    working_time_left_seconds = serializers.SerializerMethodField(
        help_text=_(
            "Seconds of working time left at the tier before the clock escalates the ticket,"
            " counted in the department's working hours (24/7: the time until due_at). Negative"
            " once overdue (then wall-clock); the pause's time left while it waits on the"
            " customer; null once resolved."
        )
    )

    class Meta:
        model = Ticket
        fields = [
            "reference",
            "subject",
            "description",
            "status",
            "department",
            "tier",
            "tier_name",
            "owner",
            "customer",
            "category",
            "priority",
            "channel",
            "opened_at",
            "tier_entered_at",
            "due_at",
            "resolved_at",
            "resolved_by",
            "resolution",
            "resolved_on_first_call",
            "breached",
            "breached_at",
            "previous_ticket",
            "paused_at",
            "pause_reason",
            "pause_time_left_seconds",
            "working_time_left_seconds",
            "allowed_moves",
        ]
        read_only_fields = fields

    def to_representation(self, ticket: Ticket) -> dict:
        """The fields of ``Meta.fields``, read straight off the ticket and its joined rows.

        DRF's own walk resolves each field's source, attribute by attribute, for every row:
        1,300 calls a ticket, two thirds of a 50-ticket page at a million tickets. The
        answer is the same, field for field (``tests/tickets/test_api_serializers.py``
        compares the two for tickets in every state).
        """
        instant = self._instant_field
        customer = ticket.customer
        return {
            "reference": ticket.reference,
            "subject": ticket.subject,
            "description": ticket.description,
            "status": ticket.status,
            "department": ticket.department.slug,
            "tier": ticket.tier.level,
            "tier_name": ticket.tier.name,
            "owner": ticket.owner.username if ticket.owner_id else None,
            "customer": {
                "id": customer.pk,
                "name": customer.name,
                "email": customer.email,
                "phone": customer.phone,
                "external_reference": customer.external_reference,
                "language": customer.language,
            },
            "category": ticket.category.slug if ticket.category_id else None,
            "priority": ticket.priority,
            "channel": ticket.channel,
            "opened_at": instant(ticket.opened_at),
            "tier_entered_at": instant(ticket.tier_entered_at),
            "due_at": instant(ticket.due_at),
            "resolved_at": instant(ticket.resolved_at),
            "resolved_by": ticket.resolved_by.username if ticket.resolved_by_id else None,
            "resolution": ticket.resolution,
            "resolved_on_first_call": ticket.resolved_on_first_call,
            "breached": ticket.breached,
            "breached_at": instant(ticket.breached_at),
            "previous_ticket": format_reference(ticket.previous_ticket_id) if ticket.previous_ticket_id else None,
            "paused_at": instant(ticket.paused_at),
            "pause_reason": ticket.pause_reason,
            "pause_time_left_seconds": self.get_pause_time_left_seconds(ticket),
            "working_time_left_seconds": self.get_working_time_left_seconds(ticket),
            "allowed_moves": self.get_allowed_moves(ticket),
        }

    @cached_property
    def _instant_field(self):
        """A timestamp as DRF writes it (ISO 8601, "Z" for UTC); None stays None."""
        field = serializers.DateTimeField(read_only=True)
        return lambda value: None if value is None else field.to_representation(value)

    def get_pause_time_left_seconds(self, ticket) -> float | None:
        if ticket.pause_time_left is None:
            return None
        return ticket.pause_time_left.total_seconds()

    def get_working_time_left_seconds(self, ticket) -> float | None:
        if not ticket.is_open:
            return None
        if ticket.paused_at is not None:
            return self.get_pause_time_left_seconds(ticket)
        # Every department's working hours, read once per answer (not once per ticket).
        hours = self.context.setdefault("working_hours", None)
        if hours is None:
            hours = self.context["working_hours"] = working_hours_by_department()
        now = self.context.setdefault("now", timezone.now())
        if ticket.due_at <= now:
            return (ticket.due_at - now).total_seconds()
        return working_time_between(now, ticket.due_at, hours.get(ticket.department_id)).total_seconds()

    def get_allowed_moves(self, ticket) -> list[str]:
        request = self.context.get("request")
        if request is None:
            return []
        # Memberships and the manager flag are cached on the user: no query per ticket.
        return sorted(allowed_moves(request.user, ticket))


@extend_schema_serializer(component_name="Handoff")
class HandoffOutput(serializers.ModelSerializer):
    actor = serializers.CharField(
        source="actor.username",
        read_only=True,
        allow_null=True,
        help_text=_("Who made the change; null when the escalation clock did."),
    )
    from_owner = serializers.CharField(
        source="from_owner.username", read_only=True, allow_null=True
    )
    to_owner = serializers.CharField(source="to_owner.username", read_only=True, allow_null=True)
    from_tier = serializers.IntegerField(source="from_tier.level", read_only=True, allow_null=True)
    to_tier = serializers.IntegerField(source="to_tier.level", read_only=True)
    from_department = serializers.CharField(
        source="from_department.slug", read_only=True, allow_null=True
    )
    to_department = serializers.CharField(source="to_department.slug", read_only=True)
    sweep_lateness = serializers.SerializerMethodField(
        help_text=_("For escalations and breaches: seconds between the deadline and the sweep.")
    )
    time_left = serializers.SerializerMethodField(
        help_text=_("For pauses: seconds of working time left at the tier when the clock stopped.")
    )
    paused_for = serializers.SerializerMethodField(
        help_text=_("For resumptions and expired pauses: seconds the clock was stopped.")
    )

    class Meta:
        model = Handoff
        fields = [
            "kind",
            "at",
            "actor",
            "from_owner",
            "to_owner",
            "from_tier",
            "to_tier",
            "from_department",
            "to_department",
            "note",
            "sweep_lateness",
            "time_left",
            "paused_for",
        ]
        read_only_fields = fields

    def get_sweep_lateness(self, handoff) -> float | None:
        return _seconds(handoff.sweep_lateness)

    def get_time_left(self, handoff) -> float | None:
        return _seconds(handoff.time_left)

    def get_paused_for(self, handoff) -> float | None:
        return _seconds(handoff.paused_for)


def _seconds(duration) -> float | None:
    return None if duration is None else duration.total_seconds()


@extend_schema_serializer(component_name="Note")
class NoteOutput(serializers.ModelSerializer):
    ticket = ReferenceField(source="ticket_id")
    author = serializers.CharField(source="author.username", read_only=True)

    class Meta:
        model = Note
        fields = ["id", "ticket", "author", "body", "internal", "is_customer_answer", "created_at"]
        read_only_fields = fields
