from django.contrib import admin

from departments.models import (
    Bulletin,
    Category,
    CustomerLinkTemplate,
    Department,
    DigestRun,
    KeyContact,
    Membership,
    StaffPreferences,
    Tier,
)


class TierInline(admin.TabularInline):
    model = Tier
    extra = 0
    ordering = ["level"]


class KeyContactInline(admin.StackedInline):
    model = KeyContact
    fk_name = "department"
    extra = 0
    autocomplete_fields = ["user"]


class CustomerLinkInline(admin.TabularInline):
    model = CustomerLinkTemplate
    extra = 0


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "referral_response_within"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [TierInline, MembershipInline, KeyContactInline, CustomerLinkInline]


@admin.register(Tier)
class TierAdmin(admin.ModelAdmin):
    list_display = ["department", "level", "name", "resolve_within"]
    list_filter = ["department"]
    ordering = ["department__name", "level"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "department", "tier", "is_lead"]
    list_filter = ["department", "is_lead"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(KeyContact)
class KeyContactAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "department", "phone", "email", "hours", "backup"]
    list_filter = ["department"]
    search_fields = ["name", "role", "email"]
    autocomplete_fields = ["user"]


@admin.register(Bulletin)
class BulletinAdmin(admin.ModelAdmin):
    list_display = ["title", "department", "kind", "pinned", "posted_at", "expires_at"]
    list_filter = ["department", "kind", "pinned"]
    search_fields = ["title", "body"]
    filter_horizontal = ["categories"]
    autocomplete_fields = ["author"]


@admin.register(CustomerLinkTemplate)
class CustomerLinkTemplateAdmin(admin.ModelAdmin):
    list_display = ["label", "department", "url_template"]
    list_filter = ["department"]


@admin.register(StaffPreferences)
class StaffPreferencesAdmin(admin.ModelAdmin):
    list_display = ["user", "weekly_digest"]
    autocomplete_fields = ["user"]


@admin.register(DigestRun)
class DigestRunAdmin(admin.ModelAdmin):
    list_display = ["week_start", "sent_at", "scheduled", "sent_by", "recipients", "bulletins"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
