"""Admin for customers and categories; tickets and handoffs are read-only here.

A ticket changes only through ``tickets.actions``, so the admin shows it but never saves it.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from tickets.models import Customer, Handoff, Note, OutboundEmail, Referral, Ticket
from tickets.outbox import redacted


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "phone", "external_reference"]
    search_fields = ["name", "email", "phone", "external_reference"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class HandoffInline(admin.TabularInline):
    model = Handoff
    extra = 0
    can_delete = False
    fields = ["at", "kind", "actor", "from_owner", "to_owner", "from_tier", "to_tier", "to_department", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class NoteInline(HandoffInline):
    model = Note
    fields = ["created_at", "author", "internal", "body"]
    readonly_fields = fields


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = ["reference", "subject", "department", "tier", "owner", "status", "due_at", "breached"]
    list_filter = ["status", "breached", "department", "channel", "priority"]
    search_fields = ["subject", "customer__name", "customer__email"]
    list_select_related = ["department", "tier", "owner"]
    inlines = [HandoffInline, NoteInline]


@admin.register(Handoff)
class HandoffAdmin(ReadOnlyAdmin):
    list_display = ["at", "ticket", "kind", "actor", "from_owner", "to_owner", "from_tier", "to_tier"]
    list_filter = ["kind"]
    list_select_related = ["ticket", "actor", "from_owner", "to_owner", "from_tier", "to_tier"]


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


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "department", "asked_by", "asked_at", "due_at", "claimed_by", "answered_at"]
    list_filter = ["department"]
    list_select_related = ["ticket", "department", "asked_by", "claimed_by"]
