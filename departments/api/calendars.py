"""Working-hours calendars through the REST API: read by everyone signed in, configured by managers.

Each write goes through ``departments.actions`` (checked, recorded, and the open deadlines
of the departments using the calendar recomputed in the same transaction).
"""

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.parsers import LimitedJSONParser, RequestBodyTooLarge
from core.api.schema import ErrorOutput, error_responses
from core.errors import InvalidInput
from departments import actions
from departments.calendars import WEEKDAYS
from departments.ics import MAX_BYTES
from departments.models import Calendar, Department
from departments.permissions import can_configure_calendars

E403 = gettext_lazy("Only managers configure working hours.")
E404 = gettext_lazy("No such calendar.")
E413 = OpenApiResponse(response=ErrorOutput, description="The file is larger than 1 MB.")


def calendars_with_details() -> QuerySet[Calendar]:
    return Calendar.objects.order_by("name", "pk").prefetch_related(
        "holidays", Prefetch("departments", queryset=Department.objects.order_by("name", "pk"))
    )


def calendar_or_404(text: str) -> Calendar:
    """The calendar named by the URL's id; anything but a sane number is the same 404."""
    calendar = None
    if text.isascii() and text.isdecimal() and len(text) <= 18:
        calendar = calendars_with_details().filter(pk=int(text)).first()
    if calendar is None:
        raise NotFound(_("No such calendar."))
    return calendar


def refuse_unless_manager(request: Request) -> None:
    # Before any lookup, so a non-manager learns nothing of which calendars exist.
    if not can_configure_calendars(request.user):
        raise actions.calendar_change_refusal()


@extend_schema_serializer(component_name="Holiday")
class HolidayOutput(serializers.Serializer[Any]):
    date = serializers.DateField(help_text=gettext_lazy("The day; with `yearly`, only its month and day count."))
    yearly = serializers.BooleanField(help_text=gettext_lazy("The same day and month every year."))
    name = serializers.CharField()


class WeekField(serializers.DictField):
    """{"monday": "08:00-12:00, 13:00-17:00", ...}: an empty text is a day off."""

    child = serializers.CharField(allow_blank=True, max_length=200, trim_whitespace=True)


@extend_schema_serializer(component_name="Calendar")
class CalendarOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    time_zone = serializers.CharField(help_text=gettext_lazy("An IANA time zone, e.g. Europe/Zagreb."))
    week = WeekField(
        source="intervals",
        read_only=True,
        help_text=gettext_lazy('Each weekday\'s working intervals, e.g. "08:00-12:00, 13:00-17:00"; empty: off.'),
    )
    holidays = HolidayOutput(many=True, read_only=True)
    departments = serializers.SerializerMethodField(
        help_text=gettext_lazy("The slugs of the departments whose deadlines count this calendar.")
    )

    def get_departments(self, calendar: Calendar) -> list[str]:
        return [department.slug for department in calendar.departments.all()]


class CalendarInput(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=120)
    time_zone = serializers.CharField(max_length=64, help_text=gettext_lazy("An IANA time zone, e.g. Europe/Zagreb."))
    week = WeekField(
        required=False,
        help_text=gettext_lazy(
            'Intervals per weekday, monday to sunday, e.g. {"monday": "08:00-16:00"}; a day left out is '
            "off when creating and unchanged when changing."
        ),
    )


class HolidaysUpload(serializers.Serializer[Any]):
    file = serializers.FileField(help_text=gettext_lazy("An iCalendar (.ics) file, at most 1 MB."))


@extend_schema_serializer(component_name="HolidaysImported")
class HolidaysImportedOutput(serializers.Serializer[Any]):
    added = serializers.IntegerField(help_text=gettext_lazy("How many holidays the file added."))
    calendar = CalendarOutput()


class ICalendarParser(BaseParser):
    """A raw ``text/calendar`` body, as bytes, at most ``MAX_BYTES`` long (413 beyond)."""

    media_type = "text/calendar"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> bytes:
        raw: bytes = stream.read(MAX_BYTES + 1) if stream is not None else b""
        if len(raw) > MAX_BYTES:
            raise RequestBodyTooLarge(_("The file is too large: an iCalendar file of holidays is under 1 MB."))
        return raw


def _week_changes(week: dict[str, str]) -> dict[str, str]:
    unknown = sorted(set(week) - set(WEEKDAYS))
    if unknown:
        raise InvalidInput(_("Name the days monday to sunday."), field="week")
    return dict(week)


class CalendarsApi(APIView):
    pagination_class = None

    @extend_schema(
        operation_id="calendars_list",
        summary="Working-hours calendars",
        description=(
            "Every calendar with its week, holidays and the departments using it. Open to every "
            "signed-in user. A department with no calendar works 24/7."
        ),
        responses={200: CalendarOutput(many=True), **error_responses(401)},
    )
    def get(self, request: Request) -> Response:
        return Response(CalendarOutput(calendars_with_details(), many=True).data)

    @extend_schema(
        operation_id="calendars_create",
        summary="Create a calendar",
        description="Managers only. Each creation is recorded for managers to read.",
        request=CalendarInput,
        responses={201: CalendarOutput, **error_responses(400, 401, 403, e403=E403)},
    )
    def post(self, request: Request) -> Response:
        refuse_unless_manager(request)
        serializer = CalendarInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        calendar = actions.do_create_calendar(
            by=request.user,
            name=data["name"],
            time_zone=data["time_zone"],
            week=_week_changes(data.get("week", {})),
        )
        return Response(CalendarOutput(calendar_or_404(str(calendar.pk))).data, status=status.HTTP_201_CREATED)


ID_PARAMETER = OpenApiParameter("calendar_id", int, OpenApiParameter.PATH, description="The calendar's id.")


class CalendarApi(APIView):
    @extend_schema(
        operation_id="calendars_partial_update",
        summary="Change a calendar",
        description=(
            "Managers only. Changes the name, time zone or any weekday's intervals. The open "
            "tickets of the departments using the calendar get their `due_at` recomputed from "
            "when they entered their tier, and so do the open referrals to those departments, "
            "in the same transaction; resolved tickets and answered referrals never change. "
            "Each change is recorded (who, when, the values before and after)."
        ),
        parameters=[ID_PARAMETER],
        request=CalendarInput(partial=True),
        responses={200: CalendarOutput, **error_responses(400, 401, 403, 404, e403=E403, e404=E404)},
    )
    def patch(self, request: Request, calendar_id: str) -> Response:
        refuse_unless_manager(request)
        calendar = calendar_or_404(calendar_id)
        serializer = CalendarInput(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        changes = _week_changes(data.pop("week", {}))
        changes.update(data)
        if changes:
            actions.do_change_calendar(calendar, by=request.user, **changes)
        return Response(CalendarOutput(calendar_or_404(calendar_id)).data)


class CalendarHolidaysApi(APIView):
    parser_classes = [MultiPartParser, ICalendarParser, LimitedJSONParser]

    @extend_schema(
        operation_id="calendars_holidays_import",
        summary="Import holidays from an iCalendar file",
        description=(
            "Managers only. Send the .ics file as `file` in a multipart form, or as the whole "
            "body with `Content-Type: text/calendar`. All-day events become holidays (each day "
            "of one that lasts several days), yearly ones (`RRULE:FREQ=YEARLY`) every year; "
            "dates the calendar has already keep theirs. Deadlines are recomputed as for a "
            "change of the calendar. Answers how many holidays were added and the calendar."
        ),
        parameters=[ID_PARAMETER],
        request={"multipart/form-data": HolidaysUpload, "text/calendar": OpenApiTypes.BINARY},
        responses={
            200: OpenApiResponse(
                response=HolidaysImportedOutput,
                description="The holidays were read; `added` may be 0.",
            ),
            413: E413,
            **error_responses(400, 401, 403, 404, e403=E403, e404=E404),
        },
    )
    def post(self, request: Request, calendar_id: str) -> Response:
        refuse_unless_manager(request)
        calendar = calendar_or_404(calendar_id)
        content = _uploaded_bytes(request)
        added = actions.do_import_holidays(calendar, content, by=request.user)
        return Response({"added": added, "calendar": CalendarOutput(calendar_or_404(calendar_id)).data})


def _uploaded_bytes(request: Request) -> bytes:
    data = request.data
    if isinstance(data, bytes):
        return data
    upload = request.FILES.get("file") if hasattr(request, "FILES") else None
    if upload is None:
        raise InvalidInput(_("Send an iCalendar (.ics) file as file, or as the body with Content-Type text/calendar."), field="file")
    if upload.size is not None and upload.size > MAX_BYTES:
        raise RequestBodyTooLarge(_("The file is too large: an iCalendar file of holidays is under 1 MB."))
    content: bytes = upload.read(MAX_BYTES + 1)
    return content
