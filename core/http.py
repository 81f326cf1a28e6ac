"""What every screen shares: reading ids, and answering errors and refusals as pages."""

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from core.errors import InvalidInput, NotAllowed

# Ids are PostgreSQL bigints: a larger number must be refused, not overflow in SQL.
MAX_ID = 2**63 - 1


def parse_id(raw: object) -> int | None:
    """The row id written in ``raw`` (a query or form value), or None when it names no row.

    Only ASCII digits count: ``str.isdigit()`` also accepts "²", which ``int()`` refuses
    (a 500), and ``int()`` accepts other scripts' digits, which no link of ours contains.
    """
    if not isinstance(raw, str) or not (0 < len(raw) <= 19 and raw.isascii() and raw.isdigit()):
        return None
    value = int(raw)
    return value if 0 < value <= MAX_ID else None


def row_id(value: object) -> int | None:
    """``value`` (an int, or text of ASCII digits) as a row id, or None when it names no row:
    the one guard between what a user sent and a bigint column."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value <= MAX_ID else None
    return parse_id(value)


def bad_parameter(field: str, message: str) -> HttpResponseBadRequest:
    """Answer a malformed query parameter: 400, naming it (nothing was read or changed)."""
    return HttpResponseBadRequest(f"{field}: {message}", content_type="text/plain; charset=utf-8")


def forbidden(request: HttpRequest, error: NotAllowed | None = None) -> HttpResponse:
    """Answer a move the user may not make: 403, with the reason in words."""
    message = error.message if error is not None else NotAllowed.default_message
    return render(request, "403.html", {"message": message}, status=403)


def put_on_form(form: forms.BaseForm, error: InvalidInput) -> None:
    """Show an action's InvalidInput on the field it names (or on the whole form)."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def safe_next(request: HttpRequest, fallback: str) -> str:
    target: str | None = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback
