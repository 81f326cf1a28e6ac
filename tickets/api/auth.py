"""Getting an API token: username and password in, a token to send as ``Authorization: Token ...`` out."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from tickets.api.common import validated
from tickets.api.schema import error_responses
from tickets.api.serializers import TokenOutput


class TokenApi(APIView):
    # Credentials are the only proof asked for here: no session, so no CSRF check either.
    authentication_classes = ()
    permission_classes = (AllowAny,)
    # Slow down password guessing: a few tries a minute per client address.
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "auth"

    @extend_schema(
        operation_id="auth_token_create",
        summary="Get your API token",
        description=(
            "Give an active user's username and password; the answer is that user's token "
            "(the same one on every call, until an administrator deletes it)."
        ),
        request=AuthTokenSerializer,
        responses={
            200: TokenOutput,
            **error_responses(400, e400="Wrong username or password (under `non_field_errors`)."),
            429: OpenApiResponse(description="Too many attempts from this address; wait a minute."),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        user = validated(AuthTokenSerializer, request)["user"]
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
