"""Turn every error the API can meet into a JSON answer with a 4xx status.

Domain errors (``core.errors`` and each app's own) carry their own status and stable ``code``; DRF's own
exceptions keep their status and gain a ``code`` too; field validation errors keep DRF's
``{"field": ["message"]}`` shape. Only a real bug is left to become a 500.
"""

from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import InvalidInput, NotFound, TierdeskError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Answer ``exc`` raised by an API view (the REST_FRAMEWORK ``EXCEPTION_HANDLER``)."""
    if isinstance(exc, TierdeskError):
        return _domain_error_response(exc)
    if isinstance(exc, Http404):
        # Django's 404 says what was not found in its message, like the domain's own
        # not-found errors, so an object out of the user's sight reads like a missing one.
        return _domain_error_response(NotFound(str(exc) or None))
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, RequestDataTooBig):
        # Django would answer with an HTML 400; say what is wrong, in JSON.
        return Response(
            {"detail": _("The request body is too large."), "code": "too_large"},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    response = drf_exception_handler(exc, context)
    if response is not None and not isinstance(exc, exceptions.ValidationError):
        _add_code(response, exc)
    return response


def _domain_error_response(exc: TierdeskError) -> Response:
    body: dict[str, object] = {"detail": exc.message, "code": exc.code}
    if isinstance(exc, InvalidInput) and exc.field:
        # Same place as a serializer's field error, so clients read both one way.
        body[exc.field] = [exc.message]
    return Response(body, status=exc.http_status)


def _add_code(response: Response, exc: Exception) -> None:
    """Give DRF's ``{"detail": ...}`` answers (401, 403, 404, 405, 415, 429) a ``code``."""
    data = response.data
    if isinstance(data, dict) and set(data) == {"detail"}:
        detail = data["detail"]
        data["code"] = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
