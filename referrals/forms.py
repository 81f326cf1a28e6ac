"""Forms of the referral screens: they shape input; ``referrals.actions`` enforces the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import DirectSelect
from departments.models import Department


class ReferForm(forms.Form):
    """Ask another department a question; the ticket stays with its owner."""

    department = forms.ModelChoiceField(
        label=_("Ask which department?"),
        queryset=Department.objects.all(),
        empty_label=_("— choose —"),
        widget=DirectSelect,
    )
    question = forms.CharField(
        label=_("Your question"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Say what you need to tell the customer: they answer here, on the ticket."),
    )

    def __init__(self, *args, ticket=None, **kwargs):
        super().__init__(*args, **kwargs)
        if ticket is not None:
            self.fields["department"].queryset = Department.objects.exclude(pk=ticket.department_id)


class AnswerReferralForm(forms.Form):
    answer = forms.CharField(
        label=_("Your answer"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Answers are final and go straight to the ticket's owner."),
    )


class ReferralFilterForm(forms.Form):
    STATES = [
        ("open", _("open")),
        ("overdue", _("overdue")),
        ("answered", _("answered")),
        ("all", _("all")),
    ]

    state = forms.ChoiceField(label=_("Show"), choices=STATES, required=False, initial="open")
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.all(),
        required=False,
        empty_label=_("my departments"),
        to_field_name="slug",
    )
