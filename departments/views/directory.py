"""The department directory: who handles what, who to call, who is on duty now, and each
department's page with its tiers, news and the tickets that crossed its border.

The tickets that crossed a department's border, and "Ask this department" from a ticket,
are parts that ``tickets`` and ``referrals`` add (``departments.pages``): the organisation
knows nothing of tickets. Key contacts are edited here by the department's leads and by
managers, through ``departments.actions``.
"""


from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.collation import sort_by_name
from core.errors import InvalidInput, NotAllowed
from core.http import forbidden, put_on_form
from departments import actions, forms
from departments.models import KeyContact
from departments.pages import department_page_parts, directory_page_parts
from departments.permissions import (
    can_manage_contacts,
    can_post_bulletin,
    can_read_configuration_changes,
    is_member_of_department,
)
from departments.queries import current_bulletins, directory, on_duty, shifts_of_contacts


@require_GET
@login_required
def directory_page(request):
    """Every department (or those matching the search), with contacts and who is on duty.

    Opened from a ticket (``?from=T-000123``), each other department offers "Ask this
    department", which opens the ticket's question form with that department chosen.
    """
    user = request.user
    form = forms.DirectorySearchForm(request.GET or None)
    search = form.cleaned_data["q"] if form.is_bound and form.is_valid() else ""
    now = timezone.now()
    departments = sort_by_name(directory(search), get_language(), lambda d: d.name)
    shifts = shifts_of_contacts(c for d in departments for c in d.contacts.all())
    for department in departments:
        department.on_duty_now = on_duty(department.contacts.all(), now, shifts)
    return render(
        request,
        "departments/directory.html",
        {
            "form": form,
            "search": search,
            "departments": departments,
            "may_read_changes": can_read_configuration_changes(user),
            # "Ask this department" from a ticket (``?from=T-000123``): referrals' part.
            **directory_page_parts.build(request),
        },
    )


def _department(slug):
    department = directory().filter(slug=slug).first()
    if department is None:
        raise Http404(_("No such department."))
    return department


def render_department_page(request, department, *, contact_form=None, status=200):
    user = request.user
    now = timezone.now()
    contacts = list(department.contacts.all())
    may_manage = can_manage_contacts(user, department)
    if may_manage and contact_form is None:
        contact_form = forms.KeyContactForm(department=department)
    return render(
        request,
        "departments/department_detail.html",
        {
            "department": department,
            "contacts": contacts,
            "on_duty_now": on_duty(contacts, now),
            "tiers": list(department.tiers.all()),
            "bulletins": list(current_bulletins(now, department=department)),
            "may_manage": may_manage,
            "may_post": can_post_bulletin(user, department),
            "is_member": is_member_of_department(user, department.pk),
            "contact_form": contact_form if may_manage else None,
            # The tickets that crossed the department's border: tickets' part.
            **department_page_parts.build(request, department=department, now=now),
        },
        status=status,
    )


@require_GET
@login_required
def department_page(request, slug):
    return render_department_page(request, _department(slug))


def _refuse_contact_change(request, department):
    return forbidden(request, actions.contact_change_refusal(department))


@require_POST
@login_required
def contact_add(request, slug):
    department = _department(slug)
    if not can_manage_contacts(request.user, department):
        return _refuse_contact_change(request, department)
    form = forms.KeyContactForm(request.POST, department=department)
    if form.is_valid():
        try:
            contact = actions.do_add_contact(
                by=request.user, department=department, **form.cleaned_data
            )
        except NotAllowed as error:
            return forbidden(request, error)
        except InvalidInput as error:
            put_on_form(form, error)
        else:
            messages.success(
                request, _("%(name)s added to the directory.") % {"name": contact.name}
            )
            return redirect(reverse("department-detail", args=[department.slug]) + "#contacts")
    return render_department_page(request, department, contact_form=form, status=400)


def _contact(department, contact_id: int) -> KeyContact:
    contact = department.contacts.filter(pk=contact_id).first()
    if contact is None:
        raise Http404(_("No such contact."))
    return contact


@require_http_methods(["GET", "POST"])
@login_required
def contact_edit(request, slug, contact_id):
    department = _department(slug)
    if not can_manage_contacts(request.user, department):
        return _refuse_contact_change(request, department)
    contact = _contact(department, contact_id)
    status = 200
    if request.method == "POST":
        form = forms.KeyContactForm(request.POST, instance=contact, department=department)
        if form.is_valid():
            try:
                contact = actions.do_change_contact(
                    contact, by=request.user, **form.cleaned_data
                )
            except NotAllowed as error:
                return forbidden(request, error)
            except InvalidInput as error:
                put_on_form(form, error)
            else:
                messages.success(request, _("%(name)s updated.") % {"name": contact.name})
                return redirect(
                    reverse("department-detail", args=[department.slug]) + "#contacts"
                )
        status = 400
    else:
        form = forms.KeyContactForm(instance=contact, department=department)
    return render(
        request,
        "departments/contact_form.html",
        {"department": department, "contact": contact, "form": form},
        status=status,
    )


@require_POST
@login_required
def contact_remove(request, slug, contact_id):
    department = _department(slug)
    if not can_manage_contacts(request.user, department):
        return _refuse_contact_change(request, department)
    contact = _contact(department, contact_id)
    try:
        actions.do_remove_contact(contact, by=request.user)
    except NotAllowed as error:
        return forbidden(request, error)
    name = contact.name
    messages.success(request, _("%(name)s removed from the directory.") % {"name": name})
    return redirect(reverse("department-detail", args=[department.slug]) + "#contacts")
