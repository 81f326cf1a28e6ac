"""The organisation as the API shows it: departments, their tiers, and each tier's time."""

import logging
import re

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.schema import error_responses
from core.errors import NotAllowed
from departments.models import Tier
from departments.queries import departments_with_tiers
from departments.roles import is_manager
from tickets.api.common import validated
from tickets.api.inputs import TierChangeInput
from tickets.api.serializers import DepartmentOutput, TierDetailOutput

logger = logging.getLogger(__name__)

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


def change_resolve_within(tier: Tier, actor, resolve_within) -> Tier:
    """Set how long tickets may stay at ``tier`` before they are escalated.

    Configuration, not a ticket change: tickets already at the tier keep the deadline they
    got when they entered it (invariant 4), so no ticket and no handoff is touched.
    """
    with transaction.atomic():
        locked = Tier.objects.select_for_update().select_related("department").get(pk=tier.pk)
        previous = locked.resolve_within
        locked.resolve_within = resolve_within
        locked.save(update_fields=["resolve_within"])
    logger.info(
        "%s changed resolve_within of %s tier %s from %s to %s",
        actor.username,
        locked.department.slug,
        locked.level,
        previous,
        resolve_within,
    )
    return locked


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
            "tier before the clock escalates it (more than zero, at most 90 days). The new time "
            "applies only to tickets entering the tier afterwards: tickets already there keep "
            "their `due_at`. This is configuration, not a ticket change, so no handoff is written."
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
                400, 401, 403, 404, e403="Only managers configure tiers.", e404="No such tier."
            ),
        },
    )
    def patch(self, request: Request, slug: str, level: str) -> Response:
        if not is_manager(request.user):
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
        data = validated(TierChangeInput, request)
        # PATCH semantics: a body without resolve_within changes nothing.
        if "resolve_within" in data:
            tier = change_resolve_within(tier, request.user, data["resolve_within"])
        return Response(TierDetailOutput(tier).data)
