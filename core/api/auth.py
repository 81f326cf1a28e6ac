"""Getting an API token: username and password in, a token to send as ``Authorization: Token ...`` out.

Also who is asking (``client_address``), shared by the throttle and the sign-in lockout.
How long a token works and when it is revoked: ``tickets.api.tokens``.
"""

import ipaddress
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from core.api.schema import error_responses
from core.api.tokens import token_is_expired


@extend_schema_serializer(component_name="Token")
class TokenOutput(serializers.Serializer[Any]):
    token = serializers.CharField(
        read_only=True, help_text=_('Send it as "Authorization: Token <token>".')
    )


def client_address(request: HttpRequest) -> str | None:
    """Return the client's address, trusting ``X-Forwarded-For`` only from our own proxies.

    With ``TIERDESK_NUM_PROXIES = N`` the N-th entry from the right is the address our
    outermost proxy saw (DRF's ``NUM_PROXIES`` rule); entries further left are whatever the
    client wrote. With 0 the header is ignored. Used by the token throttle and, through
    ``AXES_CLIENT_IP_CALLABLE``, by the sign-in lockout, so both count the same client.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.TIERDESK_NUM_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded.strip():
        return remote
    hops = [hop.strip() for hop in forwarded.split(",")]
    try:
        return str(ipaddress.ip_address(hops[-min(proxies, len(hops))]))
    except ValueError:
        # Not an address (a misconfigured proxy): never count it, fall back to the socket.
        return remote


class ClientAddressThrottle(ScopedRateThrottle):
    """The scoped rate limit, counted per trusted client address (not per forged header)."""

    def get_ident(self, request: Request) -> str:
        return client_address(request) or ""


class TokenApi(APIView):
    # Credentials are the only proof asked for here: no session, so no CSRF check either.
    authentication_classes = ()
    permission_classes = (AllowAny,)
    # Slow down password guessing: a few tries a minute per client address. The sign-in
    # lockout (django-axes) also counts every failure here, per username and address.
    throttle_classes = (ClientAddressThrottle,)
    throttle_scope = "auth"

    @extend_schema(
        operation_id="auth_token_create",
        summary="Get your API token",
        description=(
            "Give an active user's username and password; the answer is that user's token "
            "(the same one on every call until it expires, after `TIERDESK_TOKEN_TTL_HOURS`, "
            "or is revoked: a password change revokes it, and so can its owner at "
            "`/accounts/tokens/`). Repeated failures lock the username and the client "
            "address out for a while (429)."
        ),
        request=AuthTokenSerializer,
        responses={
            200: TokenOutput,
            **error_responses(400, e400="Wrong username or password (under `non_field_errors`)."),
            429: OpenApiResponse(
                description="Too many attempts from this address or for this username; wait."
            ),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        # The plain Django request goes to authenticate(): django-axes marks a lockout on
        # it, and its middleware turns that mark into the 429 answer.
        serializer = AuthTokenSerializer(data=request.data, context={"request": request._request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        token, _created = Token.objects.get_or_create(user=user)
        if token_is_expired(token):
            token.delete()
            token = Token.objects.create(user=user)
        return Response({"token": token.key})
