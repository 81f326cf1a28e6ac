"""Admin for customers and categories; tickets and handoffs are read-only here.

A ticket changes only through ``tickets.actions``, so the admin shows it but never saves it.
"""

from django.contrib import admin

from core.admin import ReadOnlyAdmin
from tickets.models import Customer, Handoff, Note, Ticket


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "phone", "external_reference"]
    search_fields = ["name", "email", "phone", "external_reference"]


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
