"""Forms of the department screens: the directory, contacts, bulletins and preferences."""

import zoneinfo

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.forms import LimitedModelMultipleChoiceField
from departments.models import Bulletin, Category, Department, KeyContact, StaffPreferences


class DirectorySearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search departments, people, roles and news"), required=False, max_length=200
    )


class KeyContactForm(forms.ModelForm):
    """A department's contact, validated by the model's own rules (``full_clean``)."""

    class Meta:
        model = KeyContact
        fields = [
            "name",
            "role",
            "phone",
            "email",
            "hours",
            "backup",
            "duty_days",
            "duty_from",
            "duty_until",
            "position",
        ]
        widgets = {
            "duty_from": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "duty_until": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args, department: Department, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.department = department
        backups = department.contacts.order_by("position", "name")
        if self.instance.pk:
            backups = backups.exclude(pk=self.instance.pk)
        self.fields["backup"].queryset = backups
        self.fields["backup"].empty_label = _("— nobody —")


class BulletinForm(forms.ModelForm):
    """News from a department. ``departments`` limits the choice to those the user may post for."""

    class Meta:
        model = Bulletin
        fields = ["department", "title", "body", "kind", "categories", "pinned", "expires_at"]
        field_classes = {"categories": LimitedModelMultipleChoiceField}
        widgets = {
            "body": forms.Textarea(attrs={"rows": 5}),
            "categories": forms.CheckboxSelectMultiple,
            "expires_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
        }
        help_texts = {
            "expires_at": _(
                "Optional: when the news stops being shown (e.g. the end of a promotion)."
            )
        }

    def __init__(self, *args, departments, now, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now
        self.fields["department"].queryset = departments
        self.fields["department"].empty_label = (
            None if departments.count() == 1 else _("— choose —")
        )
        self.fields["categories"].queryset = Category.objects.order_by("name")
        self.fields["categories"].required = False
        if self.instance.posted_at is None:
            # Set before validation so the model's "expires after posting" rule is checked.
            self.instance.posted_at = now

    def clean_expires_at(self):
        expires_at = self.cleaned_data.get("expires_at")
        if expires_at is not None and expires_at <= self.now:
            raise forms.ValidationError(_("Choose a moment in the future."))
        return expires_at


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = StaffPreferences
        fields = ["weekly_digest", "language", "time_zone"]
        labels = {
            "weekly_digest": _("Email me the weekly digest"),
            "language": _("Language"),
            "time_zone": _("Time zone"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("The one my browser asks for")), *settings.LANGUAGES]
        self.fields["time_zone"].widget = forms.Select(
            choices=[("", _("The organisation's (%(zone)s)") % {"zone": settings.TIERDESK_TIME_ZONE})]
            + [(zone, zone) for zone in sorted(zoneinfo.available_timezones())]
        )
