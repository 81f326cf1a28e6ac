"""Types the typed modules share.

``UserLike`` is whoever a request is from (``request.user``): a signed-in user or the
anonymous one. The rules (``tickets.rules``, ``referrals.rules``) take it and answer False
for the anonymous user. The actions take ``django.contrib.auth.models.User`` (the
``AUTH_USER_MODEL``): the actor they store on a ticket or a referral is always signed in.
"""

from typing import TypeAlias

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser

UserLike: TypeAlias = AbstractBaseUser | AnonymousUser
