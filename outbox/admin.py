"""The outbox in the admin: read-only, bodies without their secrets."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin
from outbox.actions import redacted
from outbox.models import OutboundEmail


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "subject", "sent_at", "attempts"]
    list_filter = ["kind"]
    # A pending survey email still holds its live link: the admin shows the body redacted.
    exclude = ["body"]
    readonly_fields = ["body_without_secrets"]

    @admin.display(description=_("body"))
    def body_without_secrets(self, obj):
        return redacted(obj.body)
