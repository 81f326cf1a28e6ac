"""Signing in and one's own API tokens: the lockout answer and the tokens page.

django-axes does the counting (``config.settings``, "Sign-in lockout and API tokens");
``tickets.api.auth.client_address`` tells it who the client is, and this module what a
locked-out visitor sees.
"""

from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods
from rest_framework.authtoken.models import Token

from core.api.tokens import token_expires_at, token_fingerprint, token_is_expired

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """Answer a sign-in attempt while its username or address is locked (``AXES_LOCKOUT_CALLABLE``).

    The same answer whatever the username and password: an unknown username is counted and
    locked exactly like a real one, so the answer never tells whether an account exists.
    """
    minutes = max(round(settings.AXES_COOLOFF_TIME.total_seconds() / 60), 1)
    message = ngettext(
        "Too many failed sign-ins. Try again in %(minutes)d minutes, or ask an administrator.",
        "Too many failed sign-ins. Try again in %(minutes)d minutes, or ask an administrator.",
        minutes,
    ) % {"minutes": minutes}
    retry_after = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": message, "code": "locked_out"}, status=429)
    else:
        # The sign-in page again, empty: nothing typed is echoed back.
        context = {"form": AuthenticationForm(request), "message": message}
        response = render(request, "account/locked_out.html", context, status=429)
    response["Retry-After"] = retry_after
    return response


@require_http_methods(["GET", "POST"])
@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    """List the user's API tokens; a POST revokes one of them, named by its fingerprint.

    Only the user's own tokens are ever looked at, so a fingerprint of someone else's token
    is a 404 and changes nothing.
    """
    own = list(Token.objects.filter(user=cast("User", request.user)).order_by("created"))  # login_required
    if request.method == "POST":
        wanted = request.POST.get("token", "")
        token = next((t for t in own if token_fingerprint(t) == wanted), None)
        if token is None:
            raise Http404
        token.delete()
        messages.success(request, _("Token revoked: it no longer works."))
        return redirect("account-tokens")
    rows = [
        {
            "fingerprint": token_fingerprint(t),
            "created": t.created,
            "expires": token_expires_at(t),
            "expired": token_is_expired(t),
        }
        for t in own
    ]
    return render(request, "account/tokens.html", {"tokens": rows})
