"""Forms of the agent screens. They only shape input: every rule about tickets is enforced
by ``tickets.actions``, whose InvalidInput errors the views put back on these forms."""

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.collation import sort_by_name
from core.display import person
from core.forms import DirectSelect
from departments.models import Department, Tier
from tickets.models import Category, Channel, Customer, Priority, Ticket


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
    # The caller's language: their survey and emails use it. The block preselects a known
    # customer's language, and for a new caller the language of the agent's page.
    customer_language = forms.ChoiceField(
        label=_("Language the customer speaks"), choices=settings.LANGUAGES, required=False
    )
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


class MoveForm(forms.Form):
    """A move's form on the ticket page: its ids carry the move's name.

    The page shows several move forms at once and some share field names (``note``), so
    plain ids would repeat and a label would point at another form's box. The ids change,
    the field names (what is posted) do not.
    """

    move = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"id_{self.move}_%s")
        super().__init__(*args, **kwargs)


class PassUpForm(MoveForm):
    move = "pass"
    note = forms.CharField(
        label=_("What did you try?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The next tier starts from here: say what you checked and what is left."),
    )


class TransferForm(MoveForm):
    move = "transfer"
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.all(),
        empty_label=_("— choose —"),
        widget=DirectSelect,
    )
    note = forms.CharField(
        label=_("Why this department?"), widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, ticket=None, **kwargs):
        super().__init__(*args, **kwargs)
        if ticket is not None:
            self.fields["department"].queryset = Department.objects.exclude(pk=ticket.department_id)


class ResolveForm(MoveForm):
    move = "resolve"
    resolution = forms.CharField(label=_("Resolution"), widget=forms.Textarea(attrs={"rows": 3}))


class NoteForm(MoveForm):
    move = "note"
    VISIBILITY = [
        ("internal", _("Internal (staff only)")),
        ("customer", _("Visible to the customer")),
    ]

    body = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}))
    visibility = forms.ChoiceField(
        label=_("Who may read it"), choices=VISIBILITY, initial="internal", widget=forms.RadioSelect
    )
    customer_answer = forms.BooleanField(
        label=_("This is the customer's answer"),
        required=False,
        help_text=_("On a ticket waiting on the customer, this restarts its clock."),
    )


class PauseForm(MoveForm):
    move = "pause"
    reason = forms.CharField(
        label=_("What did we ask the customer for?"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The tier's clock stops until the customer answers or you resume it."),
    )


class ResumeForm(MoveForm):
    move = "resume"
    note = forms.CharField(label=_("Why resume it? (optional)"), required=False)


class ReleaseForm(MoveForm):
    move = "release"
    note = forms.CharField(label=_("Why release it? (optional)"), required=False)


class ClaimForm(MoveForm):
    """Claiming needs no input; the form exists so every move goes through the same path."""

    move = "claim"


class AssignForm(MoveForm):
    move = "assign"
    to = forms.ModelChoiceField(
        label=_("Assign to"),
        queryset=get_user_model().objects.none(),
        empty_label=_("— member —"),
        widget=DirectSelect,
    )
    note = forms.CharField(label=_("Note (optional)"), required=False)

    def __init__(self, *args, tier: Tier | None = None, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        users = get_user_model().objects.filter(is_active=True)
        if tier is not None:
            users = users.filter(memberships__tier=tier)
        self.fields["to"].queryset = users.order_by("username")
        if members is not None:
            # Choices from a list the caller already loaded (``tier_members``, in the
            # reader's order of names): no query per rendered select.
            self.fields["to"].choices = [("", _("— member —"))] + [(u.pk, person(u)) for u in members]


class TicketFilterForm(forms.Form):
    """The manager's filters over every open ticket."""

    YES_NO = [("", _("any")), ("yes", _("yes")), ("no", _("no"))]

    q = forms.CharField(label=_("Search reference, customer or text"), required=False)
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.all(),
        required=False,
        empty_label=_("all"),
        widget=DirectSelect,
    )
    tier = forms.ModelChoiceField(
        label=_("Tier"),
        queryset=Tier.objects.select_related("department"),
        required=False,
        empty_label=_("all"),
        widget=DirectSelect,
    )
    owner = forms.ChoiceField(label=_("Owner"), required=False, widget=DirectSelect)
    breached = forms.ChoiceField(label=_("Breached"), choices=YES_NO, required=False, widget=DirectSelect)
    overdue = forms.ChoiceField(label=_("Overdue"), choices=YES_NO, required=False, widget=DirectSelect)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        users = (
            get_user_model()
            .objects.filter(memberships__isnull=False)
            .distinct()
            .order_by("username")
        )
        self.fields["owner"].choices = [("", _("anyone")), ("none", _("nobody (in a queue)"))] + [
            (str(u.pk), person(u)) for u in sort_by_name(users, get_language(), person)
        ]
