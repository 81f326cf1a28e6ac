"""Log a call while the customer is on the line."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from core.errors import InvalidInput, NotAllowed
from core.http import bad_parameter, forbidden, parse_id, put_on_form
from tickets.checks import check_log_call
from tickets.forms import LogCallForm
from tickets.models import Category
from tickets.queries import customers_visible_to
from tickets.rules import may_resolve_on_call
from tickets.views.customers import customer_panel_context


def _save(user, form: LogCallForm):
    """Log the call the form describes: the known caller, or a new one with their details."""
    data = form.cleaned_data
    return check_log_call(
        user,
        customer=data["customer"],
        new_customer=None
        if data["customer"]
        else {"name": data["name"], "phone": data["phone"], "email": data["email"]},
        subject=data["subject"],
        description=data["description"],
        category=data["category"],
        priority=data["priority"],
        channel=data["channel"],
        previous_ticket=data["previous_ticket"],
        resolution=data["resolution"] if data["resolved_on_call"] else None,
        customer_language=data["customer_language"] or None,
    )


@require_http_methods(["GET", "POST"])
@login_required
def log_call(request):
    user = request.user
    status = 200
    if request.method == "POST":
        form = LogCallForm(request.POST, customers=customers_visible_to(user))
        if form.is_valid():
            try:
                ticket = _save(user, form)
            except InvalidInput as exc:
                put_on_form(form, exc)
            except NotAllowed as exc:
                return forbidden(request, exc)
            else:
                return redirect(reverse("ticket-detail", args=[ticket.reference]) + "?new=1")
        status = 400
    else:
        form = LogCallForm()
    customer = (
        form.cleaned_data.get("customer")
        if form.is_bound and hasattr(form, "cleaned_data")
        else None
    )
    category = (
        form.cleaned_data.get("category")
        if form.is_bound and hasattr(form, "cleaned_data")
        else None
    )
    previous = form.cleaned_data.get("previous_ticket") if customer else None
    return render(
        request,
        "tickets/log_call.html",
        {
            "form": form,
            # Asked only for a form to show: a call logged goes straight to its ticket.
            "can_resolve_on_call": may_resolve_on_call(user),
            "category": category,
            **customer_panel_context(user, customer, selected_previous=previous),
        },
        status=status,
    )


@require_GET
@login_required
def checklist(request):
    """The chosen category's intake checklist, shown beside the form."""
    raw = request.GET.get("category", "")
    category_id = parse_id(raw)
    if raw and category_id is None:
        return bad_parameter("category", _("Give a category's number."))
    category = Category.objects.filter(pk=category_id).first() if category_id else None
    return render(request, "tickets/partials/checklist.html", {"category": category})
