"""Forms of the reports app: the customer's survey and the dashboard's month/department picker."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import LimitedChoicesMixin
from reports.models import Reason
from reports.months import Month, parse_month

RATINGS = [
    (5, _("5 – Very satisfied")),
    (4, _("4 – Satisfied")),
    (3, _("3 – Neither")),
    (2, _("2 – Dissatisfied")),
    (1, _("1 – Very dissatisfied")),
]
MAX_COMMENT = 4000


class LimitedMultipleChoiceField(LimitedChoicesMixin, forms.MultipleChoiceField):
    """At most one entry per reason: a longer list is forged."""

    max_choices = len(Reason.choices)


class SurveyForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How satisfied are you with how we handled your request?"),
        choices=RATINGS,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose a rating from 1 to 5.")},
    )
    reasons = LimitedMultipleChoiceField(
        label=_("What made the difference?"),
        choices=Reason.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    comment = forms.CharField(
        label=_("Anything you would like to tell us?"),
        required=False,
        max_length=MAX_COMMENT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean_reasons(self):
        return list(dict.fromkeys(self.cleaned_data["reasons"]))

    def clean_comment(self):
        comment = self.cleaned_data["comment"]
        if "\x00" in comment:
            raise forms.ValidationError(_("The comment may not contain NUL characters."))
        return comment.strip()


class MonthField(forms.CharField):
    default_error_messages = {"invalid": _("Give the month as YYYY-MM, for example 2026-10.")}

    def to_python(self, value) -> Month | None:
        value = super().to_python(value)
        if not value:
            return None
        month = parse_month(value)
        if month is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return month


class ReportFilterForm(forms.Form):
    """The month and department a report is about; the choices depend on who is looking."""

    month = MonthField(label=_("Month"), required=False)
    department = forms.ChoiceField(label=_("Department"), required=False)

    def __init__(self, *args, departments, allow_all: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.departments = {d.slug: d for d in departments}
        choices = [(d.slug, d.name) for d in departments]
        if allow_all:
            choices = [("", _("All departments")), *choices]
        self.fields["department"].choices = choices
        self.allow_all = allow_all

    def clean_department(self):
        slug = self.cleaned_data.get("department") or ""
        if not slug:
            if self.allow_all:
                return None
            # A lead who names no department sees the first one they lead.
            return next(iter(self.departments.values()), None)
        return self.departments[slug]
