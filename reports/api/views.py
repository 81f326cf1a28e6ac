"""GET /api/v1/reports/monthly/: the dashboard's figures as JSON."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from reports.access import refuse_other_departments, report_scope
from reports.api.serializers import MonthlyReportSerializer, ReportQuerySerializer, report_data
from reports.metrics.snapshots import current_report
from reports.months import parse_month


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class MonthlyReportView(APIView):
    """The month's figures: managers for any department, tier leads for their own."""

    @extend_schema(
        operation_id="reports_monthly",
        summary="Monthly report",
        description=(
            "Every figure of the monthly dashboard for one calendar month in the organisation's "
            "time zone: flow per department and tier, per person and dumping figures, satisfaction "
            "and day-by-day series. Managers see all departments; tier leads must name (or get) "
            "their own department. Durations are whole seconds, shares are 0\u20131."
        ),
        parameters=[
            # The patterns are those ReportQuerySerializer checks, so clients see them too.
            OpenApiParameter(
                "month",
                OpenApiTypes.STR,
                required=True,
                pattern=r"^\d{4}-\d{1,2}$",
                description="YYYY-MM, e.g. 2026-10",
            ),
            OpenApiParameter(
                "department",
                OpenApiTypes.STR,
                required=False,
                pattern=r"^[-a-zA-Z0-9_]+$",
                description="Department slug",
            ),
        ],
        responses={
            200: MonthlyReportSerializer,
            400: OpenApiResponse(
                description='A bad parameter; the body names it (e.g. {"month": [...]}).'
            ),
            401: OpenApiResponse(ErrorSerializer, description="Not signed in."),
            403: OpenApiResponse(
                ErrorSerializer, description="Not a manager or a lead of that department."
            ),
        },
        tags=["reports"],
    )
    def get(self, request):
        try:
            departments, allow_all = report_scope(request.user)
        except PermissionDenied as exc:
            raise ApiPermissionDenied(
                _("Only managers and tier leads can read monthly reports.")
            ) from exc
        query = ReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        month = parse_month(query.validated_data["month"])
        if month is None:
            raise ValidationError(
                {"month": [_("Give a real month as YYYY-MM, for example 2026-10.")]}
            )
        slug = query.validated_data.get("department")
        try:
            refuse_other_departments(slug, departments)
        except PermissionDenied as exc:
            raise ApiPermissionDenied(
                _("You may only read the reports of the departments you lead.")
            ) from exc
        by_slug = {d.slug: d for d in departments}
        if slug:
            if slug not in by_slug:
                raise ValidationError(
                    {
                        "department": [
                            _("No department %(slug)s that you may report on.")
                            % {"slug": repr(slug)}
                        ]
                    }
                )
            department = by_slug[slug]
        elif allow_all:
            department = None
        else:
            department = departments[0]
        report = current_report(month, department)
        return Response(MonthlyReportSerializer(report_data(report)).data)
