"""How long an API token works, and that a new password revokes the old ones.

Kept apart from the views: ``REST_FRAMEWORK`` names ``ExpiringTokenAuthentication``, and DRF
imports it while defining ``APIView``, so this module must not import ``rest_framework.views``.
"""

import hashlib
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token


def token_expires_at(token: Token) -> datetime:
    expires: datetime = token.created + timedelta(hours=settings.TIERDESK_TOKEN_TTL_HOURS)
    return expires


def token_is_expired(token: Token, now: datetime | None = None) -> bool:
    """A token works up to, not including, ``TIERDESK_TOKEN_TTL_HOURS`` after it was issued."""
    return (now or timezone.now()) >= token_expires_at(token)


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing a token past its lifetime with a 401 that says so."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        user, token = super().authenticate_credentials(key)
        if token_is_expired(token):
            raise exceptions.AuthenticationFailed(
                _("Token expired. Ask for a new one at /api/v1/auth/token/.")
            )
        return user, token


def revoke_tokens_on_password_change(
    sender: type[AbstractBaseUser],
    instance: AbstractBaseUser,
    raw: bool = False,
    update_fields: frozenset[str] | None = None,
    **kwargs: Any,
) -> None:
    """Delete the user's API tokens when the saved password hash differs from the stored one.

    A ``pre_save`` on the user rather than a hook in ``PasswordChangeView``: Django sends no
    password-changed signal, and a password also changes through the admin, ``manage.py
    changepassword`` and ``set_password`` in code; every one of them saves the user. One
    query per save of a user, none for saves that name their fields without "password"
    (the ``last_login`` update at every sign-in). Trade-off: a hasher upgrade at sign-in
    rewrites the hash of the same password and also revokes; the next token request issues
    a new token, which errs on the safe side.
    """
    if raw or instance.pk is None:
        return
    if update_fields is not None and "password" not in update_fields:
        return
    stored = sender._default_manager.filter(pk=instance.pk).values_list("password", flat=True)
    old = stored.first()
    if old is not None and old != instance.password:
        Token.objects.filter(user_id=instance.pk).delete()


def token_fingerprint(token: Token) -> str:
    """A short, non-secret name for a token: safe to show and to post back."""
    return hashlib.sha256(token.key.encode()).hexdigest()[:12]
