"""The referrals' own errors, on top of ``core.errors``."""

from django.utils.translation import gettext_lazy as _

from core.errors import NotFound


class ReferralNotFound(NotFound):
    """Raised for missing referrals and for referrals the user may not see alike."""

    default_message = _("No such referral.")
