"""Refuse a NUL character in the query string or a submitted form: a 400, before any view.

Why a middleware rather than a check in each view: NUL is never meaningful in any text
Tierdesk searches or stores, and PostgreSQL refuses it in every string literal (psycopg
raises ValueError, which became a 500 wherever a view passed ``request.GET`` or
``request.POST`` text to a query). One check at the edge covers every view, including
views written later; forms keep their own field-level check as well (Django's
``CharField`` refuses NUL), which names the field on the page when a form is rendered.
JSON bodies are not read here: the API's serializers check their own text fields.
"""

from django.http import HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _

NUL = "\x00"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def nul_field(request) -> str | None:
    """The name of the first query or form field holding a NUL, or None.

    Path parameters are left to the URL patterns and views, which already refuse them.
    """
    for name, values in request.GET.lists():
        if NUL in name or any(NUL in value for value in values):
            return name.replace(NUL, "")
    # The API reads only JSON (its serializers refuse NUL by field), and reading a form
    # here would consume the stream DRF answers with a 415.
    api = request.path.startswith("/api/")
    if request.method == "POST" and request.content_type in FORM_TYPES and not api:
        try:
            posted = request.POST
        except MultiPartParserError:
            return None  # Malformed: left to the view and CSRF check, as before.
        for name, values in posted.lists():
            if NUL in name or any(NUL in value for value in values):
                return name.replace(NUL, "")
    return None


class RefuseNulCharacterMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        field = nul_field(request)
        if field is None:
            return self.get_response(request)
        message = _("%(field)s may not contain NUL characters.") % {"field": field or _("A field")}
        if request.path.startswith("/api/"):
            body = {"detail": message, "code": "nul_character"}
            if field and field not in body:
                body[field] = [message]
            return JsonResponse(body, status=400)
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
