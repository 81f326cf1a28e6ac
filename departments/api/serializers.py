"""What the organisation's endpoints answer and accept: departments, tiers, a tier's time."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from departments.models import Department, Tier, validate_resolve_within


@extend_schema_serializer(component_name="Tier")
class TierOutput(serializers.ModelSerializer):
    resolve_within = serializers.DurationField(
        read_only=True,
        help_text=_(
            'How long a ticket may stay unresolved at this tier, e.g. "20:00:00" or "2 00:00:00".'
        ),
    )

    class Meta:
        model = Tier
        fields = ["level", "name", "resolve_within"]
        read_only_fields = fields


@extend_schema_serializer(component_name="TierDetail")
class TierDetailOutput(TierOutput):
    department = serializers.CharField(source="department.slug", read_only=True)

    class Meta(TierOutput.Meta):
        fields = ["department", *TierOutput.Meta.fields]
        read_only_fields = fields


@extend_schema_serializer(component_name="Department")
class DepartmentOutput(serializers.ModelSerializer):
    tiers = TierOutput(
        many=True, read_only=True, help_text=_("The pyramid, from the front line up.")
    )

    class Meta:
        model = Department
        fields = ["slug", "name", "description", "calendar", "tiers"]
        read_only_fields = fields
        extra_kwargs = {
            "calendar": {
                "help_text": _("The id of the working-hours calendar its deadlines count; null: 24/7.")
            }
        }


class TierChangeInput(serializers.Serializer):
    # The model's own validator, so the API and the model share one limit.
    resolve_within = serializers.DurationField(
        required=False,
        validators=[validate_resolve_within],
        help_text=_(
            'The tier\'s new time, e.g. "20:00:00", "1 12:00:00" or "P2D"; more than zero '
            "and at most the limit the operation's description gives."
        ),
    )


class DepartmentChangeInput(serializers.Serializer):
    # A number, looked up by the view: a PrimaryKeyRelatedField would send an id past
    # bigint to the database and answer its overflow with a 500.
    calendar = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**63 - 1,
        help_text=_("The id of the working-hours calendar to count; null for 24/7."),
    )
