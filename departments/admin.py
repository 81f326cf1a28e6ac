"""The admin: the organisation's setup. Tier times, memberships, key contacts and bulletins
are written through ``departments.actions`` here too, so the admin's changes obey the same
rules and leave the same configuration record as the screens' and the API's."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.errors import NotAllowed
from departments import actions as department_actions
from departments.calendars import WEEKDAYS, parse_intervals
from departments.ics import MAX_BYTES, read_holidays
from departments.models import (
    Bulletin,
    Calendar,
    Category,
    ConfigurationChange,
    CustomerLinkTemplate,
    Department,
    DigestRun,
    Holiday,
    KeyContact,
    Membership,
    StaffPreferences,
    Tier,
)


def _acting(call):
    """Run an action for the admin: a refusal is the admin's 403."""
    try:
        return call()
    except NotAllowed as error:
        raise PermissionDenied(error.message) from error


def _save_tier(request, tier, form, change):
    if change and "resolve_within" in form.changed_data:
        # The time goes through the action (checked, recorded); the rest is saved as typed.
        resolve_within = tier.resolve_within
        tier.resolve_within = form.initial["resolve_within"]
        tier.save()
        changed = _acting(
            lambda: department_actions.do_change_tier_time(
                tier, by=request.user, resolve_within=resolve_within
            )
        )
        tier.resolve_within = changed.resolve_within
    else:
        tier.save()


def _save_membership(request, membership, form, change):
    if change and "user" in form.changed_data:
        # Another person in the row is another seat: the old one ends, a new one begins.
        _acting(lambda: department_actions.do_remove_membership(membership, by=request.user))
        change = False
    if change:
        changed = _acting(
            lambda: department_actions.do_change_membership(
                membership, by=request.user, tier=membership.tier, is_lead=membership.is_lead
            )
        )
    else:
        changed = _acting(
            lambda: department_actions.do_add_membership(
                by=request.user, user=membership.user, tier=membership.tier,
                is_lead=membership.is_lead,
            )
        )
    membership.pk = changed.pk
    _save_membership_calendar(request, membership, form)


def _save_membership_calendar(request, membership, form):
    if "calendar" in form.changed_data:
        _acting(
            lambda: department_actions.do_set_membership_calendar(
                membership, membership.calendar, by=request.user
            )
        )


def _save_department(request, department, form, change):
    """The department as typed; its calendar through the action (checked, recorded, recomputed)."""
    if "calendar" not in form.changed_data:
        department.save()
        return
    calendar = department.calendar
    department.calendar = form.initial.get("calendar") and Calendar.objects.get(pk=form.initial["calendar"])
    department.save()
    changed = _acting(
        lambda: department_actions.do_set_department_calendar(department, calendar, by=request.user)
    )
    department.calendar = changed.calendar


def _save_contact(request, contact, form, change):
    fields = {name: getattr(contact, name) for name in department_actions.CONTACT_FIELDS}
    if change:
        _acting(lambda: department_actions.do_change_contact(contact, by=request.user, **fields))
    else:
        added = _acting(
            lambda: department_actions.do_add_contact(
                by=request.user, department=contact.department, **fields
            )
        )
        contact.pk = added.pk


class ActionsFormsetMixin:
    """Save the inlines of memberships, key contacts and tiers through the actions."""

    savers = {}
    removers = {}

    def save_formset(self, request, form, formset, change):
        saver = self.savers.get(formset.model)
        if saver is None:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)
        remove = self.removers.get(formset.model)
        for obj in formset.deleted_objects:
            if remove is None:
                obj.delete()
            else:
                _acting(lambda obj=obj: remove(obj, by=request.user))
        changed = {id(obj) for obj, _fields in formset.changed_objects}
        for inline_form in formset.forms:
            obj = inline_form.instance
            if obj in formset.deleted_objects or not inline_form.has_changed():
                continue
            if obj in formset.new_objects or id(obj) in changed:
                saver(request, obj, inline_form, id(obj) in changed)
        return None


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
    fields = ["user", "tier", "is_lead", "calendar"]


@admin.register(Department)
class DepartmentAdmin(ActionsFormsetMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "referral_response_within", "calendar"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [TierInline, MembershipInline, KeyContactInline, CustomerLinkInline]
    savers = {Tier: _save_tier, Membership: _save_membership, KeyContact: _save_contact}
    removers = {
        Membership: department_actions.do_remove_membership,
        KeyContact: department_actions.do_remove_contact,
    }

    def save_model(self, request, obj, form, change):
        _save_department(request, obj, form, change)


@admin.register(Tier)
class TierAdmin(admin.ModelAdmin):
    list_display = ["department", "level", "name", "resolve_within"]
    list_filter = ["department"]
    ordering = ["department__name", "level"]

    def save_model(self, request, obj, form, change):
        _save_tier(request, obj, form, change)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "department", "tier", "is_lead", "calendar"]
    list_filter = ["department", "is_lead"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]

    def get_readonly_fields(self, request, obj=None):
        # A seat moves between tiers of one department; another department is a new seat.
        return ["user", "department"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        _save_membership(request, obj, form, change)

    def delete_model(self, request, obj):
        _acting(lambda: department_actions.do_remove_membership(obj, by=request.user))

    def delete_queryset(self, request, queryset):
        for membership in queryset:
            self.delete_model(request, membership)


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

    def get_readonly_fields(self, request, obj=None):
        # A contact belongs to one department; another department's is a new contact.
        return ["department"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        _save_contact(request, obj, form, change)

    def delete_model(self, request, obj):
        _acting(lambda: department_actions.do_remove_contact(obj, by=request.user))

    def delete_queryset(self, request, queryset):
        for contact in queryset:
            self.delete_model(request, contact)


class BulletinAdminForm(forms.ModelForm):
    class Meta:
        model = Bulletin
        fields = list(department_actions.BULLETIN_FIELDS)

    def clean_expires_at(self):
        # The action refuses a new expiry in the past; say so on the field, not with a 500.
        expires_at = self.cleaned_data.get("expires_at")
        if (
            "expires_at" in self.changed_data
            and expires_at is not None
            and expires_at <= timezone.now()
        ):
            raise forms.ValidationError(_("Choose a moment in the future."))
        return expires_at


@admin.register(Bulletin)
class BulletinAdmin(admin.ModelAdmin):
    form = BulletinAdminForm
    list_display = ["title", "department", "kind", "pinned", "posted_at", "expires_at"]
    list_filter = ["department", "kind", "pinned"]
    search_fields = ["title", "body"]
    filter_horizontal = ["categories"]
    autocomplete_fields = ["author"]
    # The author and the moment of posting are the action's to set.
    readonly_fields = ["author", "posted_at"]
    actions = ["expire_selected"]

    def has_delete_permission(self, request, obj=None):
        # News is expired, never deleted: it stays in the record and in past digests.
        return False

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in department_actions.BULLETIN_FIELDS}
        try:
            if change:
                saved = department_actions.do_edit_bulletin(obj, by=request.user, **fields)
            else:
                saved = department_actions.do_post_bulletin(by=request.user, **fields)
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        obj.pk, obj.author, obj.posted_at = saved.pk, saved.author, saved.posted_at

    def save_related(self, request, form, formsets, change):
        # The categories were set by the action; saving the form's again would repeat it.
        for formset in formsets:
            self.save_formset(request, form, formset, change)

    @admin.action(description=_("Expire the selected bulletins"))
    def expire_selected(self, request, queryset):
        for bulletin in queryset:
            try:
                department_actions.do_expire_bulletin(bulletin, by=request.user)
            except NotAllowed as error:
                self.message_user(request, error.message, messages.ERROR)


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


@admin.register(ConfigurationChange)
class ConfigurationChangeAdmin(admin.ModelAdmin):
    """The configuration record, read-only: rows are written by the actions and never changed."""

    list_display = ["changed_at", "changed_by_name", "kind", "object_repr", "department"]
    list_filter = ["kind", "department"]
    search_fields = ["object_repr", "changed_by_name"]
    date_hierarchy = "changed_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Working-hours calendars


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0
    ordering = ["date"]


class CalendarAdminForm(forms.ModelForm):
    import_file = forms.FileField(
        label=_("Import holidays"),
        required=False,
        help_text=_("An iCalendar (.ics) file: its all-day events are added; dates already here keep theirs."),
    )

    class Meta:
        model = Calendar
        fields = ["name", "time_zone", *WEEKDAYS]

    def clean(self):
        cleaned = super().clean()
        days = [cleaned.get(day) for day in WEEKDAYS]
        if all(day is not None for day in days) and not any(parse_intervals(day) for day in days):
            raise forms.ValidationError(
                _("Give working hours for at least one day of the week; a calendar without them would never end a deadline.")
            )
        return cleaned

    def clean_import_file(self):
        upload = self.cleaned_data.get("import_file")
        if upload is None:
            return None
        content = upload.read(MAX_BYTES + 1)
        try:
            read_holidays(content)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None
        return content


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):
    """Hours, holidays and the import are written through the actions (checked, recorded, recomputed)."""

    form = CalendarAdminForm
    list_display = ["name", "time_zone", *WEEKDAYS]
    search_fields = ["name"]
    inlines = [HolidayInline]

    def save_model(self, request, obj, form, change):
        values = {field: getattr(obj, field) for field in department_actions.CALENDAR_FIELDS}
        if change:
            saved = _acting(lambda: department_actions.do_change_calendar(obj, by=request.user, **values))
        else:
            week = {day: values.pop(day) for day in WEEKDAYS}
            saved = _acting(
                lambda: department_actions.do_create_calendar(by=request.user, week=week, **values)
            )
        obj.pk = saved.pk

    def save_formset(self, request, form, formset, change):
        if formset.model is not Holiday:
            return super().save_formset(request, form, formset, change)
        # The inline's rows as they stand after the edit, set in one action.
        formset.save(commit=False)
        deleted = {id(h) for h in formset.deleted_objects}
        entries = [
            department_actions.HolidayEntry(f.instance.date, f.instance.yearly, f.instance.name)
            for f in formset.forms
            if f.instance.date is not None and id(f.instance) not in deleted
            and not (f.instance._state.adding and not f.has_changed())
        ]
        _acting(lambda: department_actions.do_set_holidays(form.instance, by=request.user, holidays=entries))
        content = form.cleaned_data.get("import_file")
        if content:
            added = _acting(lambda: department_actions.do_import_holidays(form.instance, content, by=request.user))
            self.message_user(
                request,
                ngettext("%(count)d holiday added from the file.", "%(count)d holidays added from the file.", added)
                % {"count": added},
            )
        return None

    def delete_model(self, request, obj):
        _acting(lambda: department_actions.do_remove_calendar(obj, by=request.user))

    def delete_queryset(self, request, queryset):
        for calendar in queryset:
            self.delete_model(request, calendar)
