"""Forms of the agent screens. They only shape input: every rule about tickets is enforced
by ``tickets.actions``, whose InvalidInput errors the views put back on these forms."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from departments.models import Bulletin, Department, KeyContact, StaffPreferences, Tier
from tickets.models import Category, Channel, Customer, Priority, Ticket


class LimitedChoicesMixin:
    """A multiple choice refused past ``max_choices`` entries, before anything is looked up.

    Django's ModelMultipleChoiceField already drops repeats and checks every value in one
    ``__in`` query; the cap keeps a forged list of thousands from costing that work.
    """

    max_choices = 50

    def clean(self, value):
        if isinstance(value, (list, tuple)) and len(value) > self.max_choices:
            raise forms.ValidationError(
                _("Choose at most %(n)d.") % {"n": self.max_choices}, code="too_many"
            )
        return super().clean(value)


class LimitedModelMultipleChoiceField(LimitedChoicesMixin, forms.ModelMultipleChoiceField):
    pass


class LogCallForm(forms.Form):
    """A call being logged: either a known customer (picked in the lookup) or a new caller."""

    customer = forms.ModelChoiceField(
        queryset=Customer.objects.all(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={
            "invalid_choice": _("That customer no longer exists; look the caller up again.")
        },
    )
    name = forms.CharField(label=_("Caller's name"), max_length=200, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    previous_ticket = forms.ModelChoiceField(
        label=_("Follow-up of an earlier ticket"),
        queryset=Ticket.objects.all(),
        required=False,
        empty_label=_("— not a follow-up —"),
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(
        label=_("What the customer told you"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.all(),
        required=False,
        empty_label=_("— choose —"),
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    resolved_on_call = forms.BooleanField(label=_("Resolved on the call"), required=False)
    resolution = forms.CharField(
        label=_("What you told the customer (resolution)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, customers=None, **kwargs):
        super().__init__(*args, **kwargs)
        if customers is not None:
            # Customers the user may not read answer like missing ones (customers_visible_to).
            self.fields["customer"].queryset = customers

    def clean(self):
        data = super().clean()
        customer = data.get("customer")
        if customer is None and "customer" not in self.errors:
            if not (data.get("name") or "").strip():
                self.add_error(
                    "name", _("Pick the caller in the lookup, or type a new caller's name.")
                )
            elif not (data.get("phone") or data.get("email")):
                self.add_error(
                    "phone", _("Give a phone number or an email so we can reach the caller.")
                )
        previous = data.get("previous_ticket")
        if previous is not None and (customer is None or previous.customer_id != customer.pk):
            self.add_error(
                "previous_ticket", _("The earlier ticket must be one of this customer's tickets.")
            )
        if data.get("resolved_on_call") and not (data.get("resolution") or "").strip():
            self.add_error("resolution", _("Say how the call was resolved."))
        return data


class PassUpForm(forms.Form):
    note = forms.CharField(
        label=_("What did you try?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The next tier starts from here: say what you checked and what is left."),
    )


class TransferForm(forms.Form):
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.all(), empty_label=_("— choose —")
    )
    note = forms.CharField(
        label=_("Why this department?"), widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, ticket=None, **kwargs):
        super().__init__(*args, **kwargs)
        if ticket is not None:
            self.fields["department"].queryset = Department.objects.exclude(pk=ticket.department_id)


class ResolveForm(forms.Form):
    resolution = forms.CharField(label=_("Resolution"), widget=forms.Textarea(attrs={"rows": 3}))


class NoteForm(forms.Form):
    VISIBILITY = [
        ("internal", _("Internal (staff only)")),
        ("customer", _("Visible to the customer")),
    ]

    body = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}))
    visibility = forms.ChoiceField(
        label=_("Who may read it"), choices=VISIBILITY, initial="internal", widget=forms.RadioSelect
    )


class ReleaseForm(forms.Form):
    note = forms.CharField(label=_("Why release it? (optional)"), required=False)


class ClaimForm(forms.Form):
    """Claiming needs no input; the form exists so every move goes through the same path."""


class AssignForm(forms.Form):
    to = forms.ModelChoiceField(
        label=_("Assign to"), queryset=get_user_model().objects.none(), empty_label=_("— member —")
    )
    note = forms.CharField(label=_("Note (optional)"), required=False)

    def __init__(self, *args, tier: Tier | None = None, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        users = get_user_model().objects.filter(is_active=True)
        if tier is not None:
            users = users.filter(memberships__tier=tier)
        self.fields["to"].queryset = users.order_by("username")
        if members is not None:
            # Choices from a list the caller already loaded: no query per rendered select.
            self.fields["to"].choices = [("", _("— member —"))] + [
                (u.pk, u.get_full_name() or u.username) for u in members
            ]


class TicketFilterForm(forms.Form):
    """The manager's filters over every open ticket."""

    YES_NO = [("", _("any")), ("yes", _("yes")), ("no", _("no"))]

    q = forms.CharField(label=_("Search reference, customer or text"), required=False)
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.all(),
        required=False,
        empty_label=_("all"),
    )
    tier = forms.ModelChoiceField(
        label=_("Tier"),
        queryset=Tier.objects.select_related("department"),
        required=False,
        empty_label=_("all"),
    )
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    breached = forms.ChoiceField(label=_("Breached"), choices=YES_NO, required=False)
    overdue = forms.ChoiceField(label=_("Overdue"), choices=YES_NO, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        users = (
            get_user_model()
            .objects.filter(memberships__isnull=False)
            .distinct()
            .order_by("username")
        )
        self.fields["owner"].choices = [("", _("anyone")), ("none", _("nobody (in a queue)"))] + [
            (str(u.pk), u.get_full_name() or u.username) for u in users
        ]


# --- referrals, the directory, bulletins and preferences ------------------------------


class ReferForm(forms.Form):
    """Ask another department a question; the ticket stays with its owner."""

    department = forms.ModelChoiceField(
        label=_("Ask which department?"),
        queryset=Department.objects.all(),
        empty_label=_("— choose —"),
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
        fields = ["weekly_digest"]
        labels = {"weekly_digest": _("Email me the weekly digest")}
