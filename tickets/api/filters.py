"""The ticket list's filters (query parameters of ``GET /api/v1/tickets/``)."""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from departments.models import Department, Tier
from tickets.models import Status, Ticket


class StrictBooleanField(forms.Field):
    """true/false (or 1/0); anything else is a 400 rather than silently ignored."""

    default_error_messages = {"invalid": _("Use true or false.")}

    def to_python(self, value):
        if value in (None, ""):
            return None
        lowered = str(value).lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(django_filters.Filter):
    """A yes/no filter that refuses a typo: django-filter's BooleanFilter would drop
    ``breached=-1`` or ``breached=yes`` and answer with every ticket."""

    field_class = StrictBooleanField


@extend_schema_field(OpenApiTypes.INT)
class LevelFilter(django_filters.NumberFilter):
    """A tier level: a whole number in a smallint's range, so a huge value is a 400."""

    field_class = forms.IntegerField


def _ids(queryset) -> list[int]:
    return list(queryset.values_list("pk", flat=True))


class TicketFilter(django_filters.FilterSet):
    """Each name is turned into ids first (one small query), so the ticket query filters on
    the ticket's own indexed columns instead of joining to filter: at a million tickets a
    join on ``tier__level`` made PostgreSQL scan before it could use ``(tier_id, due_at)``."""

    status = django_filters.ChoiceFilter(choices=Status.choices, help_text=_("open or resolved"))
    department = django_filters.CharFilter(
        method="filter_department", max_length=60, help_text=_("The department's slug.")
    )
    tier = LevelFilter(
        method="filter_tier", min_value=1, max_value=32767, help_text=_("The tier's level.")
    )
    owner = django_filters.CharFilter(
        method="filter_owner", max_length=150, help_text=_("The owner's username.")
    )
    breached = StrictBooleanFilter(help_text=_("true or false"))

    def filter_department(self, queryset, name, value):
        return queryset.filter(department_id__in=_ids(Department.objects.filter(slug=value)))

    def filter_tier(self, queryset, name, value):
        return queryset.filter(tier_id__in=_ids(Tier.objects.filter(level=value)))

    def filter_owner(self, queryset, name, value):
        return queryset.filter(owner_id__in=_ids(get_user_model().objects.filter(username=value)))

    class Meta:
        model = Ticket
        fields = ["status", "department", "tier", "owner", "breached"]
