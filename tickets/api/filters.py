"""The ticket list's filters (query parameters of ``GET /api/v1/tickets/``)."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from tickets.models import Status, Ticket


@extend_schema_field(OpenApiTypes.INT)
class LevelFilter(django_filters.NumberFilter):
    """A tier level: a whole number in a smallint's range, so a huge value is a 400."""

    field_class = forms.IntegerField


class TicketFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices, help_text=_("open or resolved"))
    department = django_filters.CharFilter(
        field_name="department__slug", max_length=60, help_text=_("The department's slug.")
    )
    tier = LevelFilter(
        field_name="tier__level", min_value=1, max_value=32767, help_text=_("The tier's level.")
    )
    owner = django_filters.CharFilter(
        field_name="owner__username", max_length=150, help_text=_("The owner's username.")
    )
    breached = django_filters.BooleanFilter(help_text=_("true or false"))

    class Meta:
        model = Ticket
        fields = ["status", "department", "tier", "owner", "breached"]
