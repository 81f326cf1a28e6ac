"""The organisation as the API shows it: departments, their tiers, and each tier's time."""

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.schema import error_responses
from core.errors import InvalidInput, NotAllowed
from departments import actions
from departments.api.serializers import (
    DepartmentChangeInput,
    DepartmentOutput,
    TierChangeInput,
    TierDetailOutput,
)
from departments.models import MAX_RESOLVE_WITHIN, Calendar, Department, Tier
from departments.permissions import can_change_tier_time, can_configure_calendars
from departments.queries import departments_with_tiers

# PositiveSmallIntegerField: a larger level in the path cannot name a tier.
MAX_LEVEL = 32767
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,60}")


def parse_level(text: str) -> int | None:
    """The tier level written in the URL, or None when it cannot name a tier.

    The URL matches any text, so "abc", "-1" or "1e5" reach this view and get the API's
    JSON 404 like an unknown level, instead of Django's HTML page or an overflow in SQL.
    """
    if not (text.isascii() and text.isdecimal()):
        return None
    level = int(text)
    return level if 1 <= level <= MAX_LEVEL else None


class DepartmentsApi(APIView):
    pagination_class = None

    @extend_schema(
        operation_id="departments_list",
        summary="Departments and their tiers",
        description="Every department with its pyramid, front line first. Open to every signed-in user.",
        responses={200: DepartmentOutput(many=True), **error_responses(401)},
    )
    def get(self, request: Request) -> Response:
        departments = departments_with_tiers().order_by("name", "pk")
        return Response(DepartmentOutput(departments, many=True).data)


class TierApi(APIView):
    @extend_schema(
        operation_id="departments_tiers_partial_update",
        summary="Change a tier's time",
        description=(
            "Managers only. Sets `resolve_within`, how long a ticket may stay unresolved at the "
            "tier before the clock escalates it (more than zero, at most "
            f"{MAX_RESOLVE_WITHIN.days} days). The new time applies to the open tickets already "
            "at the tier too: their `due_at` is recomputed from when they entered it (counting "
            "the department's working hours, if it has a calendar) in the same transaction; "
            "resolved and breached tickets keep theirs. This is configuration, not a ticket move, "
            "so no handoff is written; each change is recorded (who, when, the time before and "
            "after) for managers to read."
        ),
        parameters=[
            OpenApiParameter(
                "slug", str, OpenApiParameter.PATH, description="The department's slug."
            ),
            OpenApiParameter("level", int, OpenApiParameter.PATH, description="The tier's level."),
        ],
        request=TierChangeInput,
        responses={
            200: TierDetailOutput,
            **error_responses(
                400,
                401,
                403,
                404,
                e403=gettext_lazy("Only managers configure tiers."),
                e404=gettext_lazy("No such tier."),
            ),
        },
    )
    def patch(self, request: Request, slug: str, level: str) -> Response:
        # Refused before the lookup, so a non-manager learns nothing of which tiers exist.
        if not can_change_tier_time(request.user):
            raise NotAllowed(_("Only managers can change a tier's time."))
        tier = None
        tier_level = parse_level(level)
        # The URL matches any text: only a slug-shaped one can name a department (and a
        # NUL byte would make PostgreSQL refuse the query with a 500).
        if tier_level is not None and SLUG.fullmatch(slug):
            tier = (
                Tier.objects.select_related("department")
                .filter(department__slug=slug, level=tier_level)
                .first()
            )
        if tier is None:
            raise NotFound(_("No such tier."))
        # Reading request.data also turns malformed JSON into a 400.
        serializer = TierChangeInput(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        # PATCH semantics: a body without resolve_within changes nothing.
        if "resolve_within" in data:
            tier = actions.do_change_tier_time(
                tier, by=request.user, resolve_within=data["resolve_within"]
            )
        return Response(TierDetailOutput(tier).data)


class DepartmentApi(APIView):
    @extend_schema(
        operation_id="departments_partial_update",
        summary="Choose a department's working hours",
        description=(
            "Managers only. Sets `calendar`, the id of the working-hours calendar whose working "
            "time the department's tier times and referral targets count, or null for 24/7. "
            "The open tickets of the department and the open referrals to it get their `due_at` "
            "recomputed in the same transaction; resolved tickets and answered referrals keep "
            "theirs. Each change is recorded (who, when, the calendar before and after)."
        ),
        parameters=[
            OpenApiParameter("slug", str, OpenApiParameter.PATH, description="The department's slug."),
        ],
        request=DepartmentChangeInput,
        responses={
            200: DepartmentOutput,
            **error_responses(
                400,
                401,
                403,
                404,
                e403=gettext_lazy("Only managers configure working hours."),
                e404=gettext_lazy("No such department."),
            ),
        },
    )
    def patch(self, request: Request, slug: str) -> Response:
        # Refused before the lookup, so a non-manager learns nothing of which departments exist.
        if not can_configure_calendars(request.user):
            raise actions.calendar_change_refusal()
        department = Department.objects.filter(slug=slug).first() if SLUG.fullmatch(slug) else None
        if department is None:
            raise NotFound(_("No such department."))
        serializer = DepartmentChangeInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "calendar" in data:
            calendar = None
            if data["calendar"] is not None:
                calendar = Calendar.objects.filter(pk=data["calendar"]).first()
                if calendar is None:
                    raise InvalidInput(_("No such calendar."), field="calendar")
            actions.do_set_department_calendar(department, calendar, by=request.user)
        return Response(DepartmentOutput(departments_with_tiers().get(pk=department.pk)).data)
