from django.contrib import admin

from departments.models import Category, Department, Membership, Tier


class TierInline(admin.TabularInline):
    model = Tier
    extra = 0
    ordering = ["level"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [TierInline, MembershipInline]


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
