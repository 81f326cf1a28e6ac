"""Bulletins through the REST API: every department's news, and posting it.

Plain DRF on purpose: the organisation knows nothing of tickets, so nothing here imports
``tickets``. The project-wide exception handler still turns DRF's errors into the same
JSON answers as the rest of the API (``{"detail", "code"}``, field errors by name).
"""

import re

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from departments import actions
from departments.models import Bulletin, BulletinKind, Category, Department
from departments.permissions import departments_for_posting
from departments.queries import current_bulletins
from departments.roles import is_manager

MAX_BODY = 20_000

_ERROR_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
    "required": ["detail", "code"],
}
_FIELD_ERRORS_SCHEMA = {
    "type": "object",
    "description": "Messages per field name; `non_field_errors` for the request as a whole.",
    "properties": {"non_field_errors": {"type": "array", "items": {"type": "string"}}},
    "additionalProperties": {},
}


def _error(description, schema=None) -> OpenApiResponse:
    return OpenApiResponse(response=schema or _ERROR_SCHEMA, description=str(description))


class StrictText(serializers.CharField):
    """Text only: a number or a boolean where words are expected is a client's bug (400)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        if "\x00" in data:
            raise serializers.ValidationError(_("This field may not contain NUL characters."))
        return super().to_internal_value(data)


# A pattern rather than an enum: drf-spectacular turns every enum of a field named "kind"
# into one shared component, and the handoffs' "kind" already holds that name. Settings
# (ENUM_NAME_OVERRIDES) could rename it, but this module must not depend on them.
_KIND_SCHEMA = {
    "type": "string",
    "pattern": "^(" + "|".join(BulletinKind.values) + ")$",
    "description": str(
        gettext_lazy("One of: %(kinds)s (other is general news).")
        % {"kinds": ", ".join(BulletinKind.values)}
    ),
}


@extend_schema_field(_KIND_SCHEMA)
class KindField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=BulletinKind.choices, **kwargs)


MAX_CATEGORIES = 50


class SlugListField(serializers.ListField):
    """A list of slugs, refused past ``max_items`` before any entry is looked at; repeats dropped.

    The length is checked first so a list of a million entries costs one ``len()``.
    """

    def __init__(self, *, max_items: int, **kwargs):
        self.max_items = max_items
        super().__init__(child=StrictText(max_length=60), max_length=max_items, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, list) and len(data) > self.max_items:
            self.fail("max_length", max_length=self.max_items)
        return list(dict.fromkeys(super().to_internal_value(data)))


@extend_schema_serializer(component_name="Bulletin")
class BulletinOutput(serializers.ModelSerializer):
    department = serializers.CharField(source="department.slug", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)
    author = serializers.CharField(source="author.username", read_only=True, allow_null=True)
    categories = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    kind = KindField(read_only=True)

    class Meta:
        model = Bulletin
        fields = [
            "id",
            "department",
            "department_name",
            "author",
            "title",
            "body",
            "kind",
            "categories",
            "pinned",
            "posted_at",
            "expires_at",
        ]
        read_only_fields = fields


class BulletinInput(serializers.Serializer):
    department = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Department.objects.all(),
        help_text=gettext_lazy("The slug of the department whose news this is."),
    )
    title = StrictText(max_length=200)
    body = StrictText(max_length=MAX_BODY)
    kind = KindField(default=BulletinKind.OTHER)
    categories = SlugListField(
        max_items=MAX_CATEGORIES,
        required=False,
        help_text=gettext_lazy(
            "Category slugs (at most 50, repeats ignored): shown first on tickets of these "
            "categories."
        ),
    )
    pinned = serializers.BooleanField(default=False)
    expires_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text=gettext_lazy("When it stops being shown; after now."),
    )

    def validate_categories(self, slugs: list[str]) -> list[Category]:
        # One query however many slugs: one per entry stalled a worker on a long list.
        found = {c.slug: c for c in Category.objects.filter(slug__in=slugs)}
        missing = [slug for slug in slugs if slug not in found]
        if missing:
            raise serializers.ValidationError(
                ngettext(
                    "No category has the slug %(s)s.", "No category has the slug %(s)s.", len(missing)
                )
                % {"s": ", ".join(f'"{m}"' for m in missing)}
            )
        return [found[slug] for slug in slugs]

    def validate_expires_at(self, value):
        if value is not None and value <= self.context["now"]:
            raise serializers.ValidationError(_("Choose a moment in the future."))
        return value


SLUG = re.compile(r"[-a-zA-Z0-9_]+")


class BulletinsApi(generics.ListAPIView):
    serializer_class = BulletinOutput
    # Read by the API's JSON parser (tickets.api.parsers): a 413 past this. The body's
    # 20,000 characters escaped as \uXXXX, plus the longest list of categories, fit.
    max_body_bytes = 128 * 1024

    def _include_expired(self) -> bool:
        raw = self.request.query_params.get("include_expired", "")
        if raw.lower() not in ("", "true", "false", "1", "0"):
            raise serializers.ValidationError({"include_expired": [_("Use true or false.")]})
        wanted = raw.lower() in ("true", "1")
        if wanted and not is_manager(self.request.user):
            raise PermissionDenied(_("Only managers read expired news."))
        return wanted

    def get_queryset(self):
        department = None
        slug = self.request.query_params.get("department", "")
        if slug:
            # Not a slug (a NUL byte, say) names no department: say so before PostgreSQL
            # refuses the string.
            is_slug = SLUG.fullmatch(slug[:60]) is not None
            department = Department.objects.filter(slug=slug[:60]).first() if is_slug else None
            if department is None:
                raise serializers.ValidationError(
                    {"department": [_('No department has the slug "%(slug)s".') % {"slug": slug[:60]}]}
                )
        if self._include_expired():
            bulletins = Bulletin.objects.select_related("department", "author").prefetch_related(
                "categories"
            )
            if department is not None:
                bulletins = bulletins.filter(department=department)
            return bulletins.order_by("-posted_at", "-id")
        return current_bulletins(timezone.now(), department=department)

    @extend_schema(
        operation_id="bulletins_list",
        summary="News from every department",
        description=(
            "Current bulletins, pinned first, then newest. `department` narrows to one department; "
            "managers may add `include_expired=true` to read past and scheduled news too."
        ),
        parameters=[
            OpenApiParameter("department", str, description="A department's slug."),
            OpenApiParameter(
                "include_expired", bool, description="Managers only: include expired news."
            ),
        ],
        responses={
            200: BulletinOutput(many=True),
            400: _error(
                gettext_lazy("Unknown department, or include_expired is not true/false."),
                _FIELD_ERRORS_SCHEMA,
            ),
            401: _error(gettext_lazy("No valid token or session.")),
            403: _error(gettext_lazy("include_expired is for managers.")),
            # DRF's page-number pagination answers an impossible page with a 404.
            404: _error(
                gettext_lazy("No such page: `page` is past the last page, or not a page number.")
            ),
        },
    )
    def get(self, request: Request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="bulletins_create",
        summary="Post news for a department",
        description="Members of the department and managers post its news; it is shown at once.",
        request=BulletinInput,
        responses={
            201: BulletinOutput,
            400: _error(
                gettext_lazy("The body is invalid; the messages name the fields."),
                _FIELD_ERRORS_SCHEMA,
            ),
            401: _error(gettext_lazy("No valid token or session.")),
            403: _error(gettext_lazy("You are not a member of that department (nor a manager).")),
        },
    )
    def post(self, request: Request, *args, **kwargs):
        user = request.user
        if not departments_for_posting(user).exists():
            raise PermissionDenied(_("Only members of a department and managers can post news."))
        now = timezone.now()
        serializer = BulletinInput(data=request.data, context={"request": request, "now": now})
        serializer.is_valid(raise_exception=True)
        # NotAllowed and InvalidInput become the API's 403 and 400 in the exception handler.
        bulletin = actions.do_post_bulletin(by=user, now=now, **serializer.validated_data)
        fresh = (
            Bulletin.objects.select_related("department", "author")
            .prefetch_related("categories")
            .get(pk=bulletin.pk)
        )
        return Response(BulletinOutput(fresh).data, status=status.HTTP_201_CREATED)
