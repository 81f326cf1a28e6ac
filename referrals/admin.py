"""Referrals in the admin: read-only (they change only through referrals.actions)."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin
from referrals.models import Referral


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "department", "asked_by", "asked_at", "due_at", "claimed_by", "answered_at"]
    list_filter = ["department"]
    list_select_related = ["ticket", "department", "asked_by", "claimed_by"]
