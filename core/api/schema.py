"""The error answers of the API, described once for the OpenAPI schema.

drf-spectacular documents only success responses by itself; every endpoint lists the
error statuses it can give through ``error_responses(...)``.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_serializer
from rest_framework import serializers


@extend_schema_serializer(component_name="ApiError")
class ErrorOutput(serializers.Serializer[Any]):
    detail = serializers.CharField(help_text=_("What went wrong, in words for people."))
    code = serializers.CharField(help_text=_("A stable code for programs, e.g. already_claimed."))


# Field errors are ``{"field": ["message", ...]}`` (nested for ``customer``); an error the
# domain raises about one field adds ``detail`` and ``code`` beside it.
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": "Messages per field name; `non_field_errors` for the request as a whole.",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "non_field_errors": {"type": "array", "items": {"type": "string"}},
    },
    "additionalProperties": {},
}

_DESCRIPTIONS = {
    400: _("The request body or a parameter is invalid; the messages name the fields."),
    401: _("No valid token or session."),
    403: _("You may not make this move on this ticket."),
    404: _("No such ticket, or it is out of your sight (the same answer for both)."),
    409: _("The move does not fit the ticket's current state, or someone acted first."),
}


# Every paginated list answers 404 for a `page` past the last one (or not a number), as
# DRF's PageNumberPagination does; the lists document it with this text.
NO_SUCH_PAGE = _("No such page: `page` is past the last page, or not a page number.")


def error_responses(*statuses: int, **descriptions: str) -> dict[int, OpenApiResponse]:
    """Return the ``responses`` entries for these error statuses.

    ``descriptions`` override the generic text per status, e.g. ``e409="Already claimed."``.
    """
    responses = {}
    for code in statuses:
        description = descriptions.get(f"e{code}", _DESCRIPTIONS[code])
        body = VALIDATION_ERROR_SCHEMA if code == 400 else ErrorOutput
        responses[code] = OpenApiResponse(response=body, description=str(description))
    return responses


REFERENCE_PARAMETER = OpenApiParameter(
    "reference",
    str,
    OpenApiParameter.PATH,
    description=str(_("The ticket's reference, e.g. T-000123.")),
)
