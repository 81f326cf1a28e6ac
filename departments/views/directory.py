"""The department directory: who handles what, who to call, who is on duty now, and each
department's page with its tiers, news and the tickets that crossed its border.

It lives in ``tickets`` (not ``departments``) because a department's page counts tickets
transferred in and out, and the organisation knows nothing of tickets. Key contacts are
edited here by the department's leads and by managers; the admin does the rest.
"""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import NotAllowed
from core.http import forbidden
from departments import forms
from departments.models import KeyContact
from departments.permissions import can_manage_contacts, can_post_bulletin, is_member_of_department
from departments.queries import current_bulletins, directory, on_duty
from departments.roles import is_manager
from tickets.models import HandoffKind
from tickets.queries import transfers_of_department, visible_ticket_ids
from tickets.views.common import get_ticket

RECENT_TRANSFERS = timedelta(days=30)
# The department page lists at most this many transfers each way; the counts cover all.
TRANSFERS_SHOWN = 25


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
    ticket = None
    if request.GET.get("from"):
        ticket = get_ticket(user, request.GET["from"])
    now = timezone.now()
    departments = list(directory(search))
    for department in departments:
        department.on_duty_now = on_duty(department.contacts.all(), now)
    may_ask = (
        ticket is not None and ticket.is_open and (ticket.owner_id == user.pk or is_manager(user))
    )
    return render(
        request,
        "departments/directory.html",
        {
            "form": form,
            "search": search,
            "departments": departments,
            "ticket": ticket,
            "may_ask": may_ask,
        },
    )


def _department(slug):
    department = directory().filter(slug=slug).first()
    if department is None:
        raise Http404(_("No such department."))
    return department


def _transfers(user, department, now) -> dict:
    """Tickets transferred in and out in the last 30 days: counts of all, lines for those the
    user may read (a ticket out of sight is counted, never described)."""
    handoffs = list(transfers_of_department(department.pk, since=now - RECENT_TRANSFERS))
    visible = visible_ticket_ids(user, {h.ticket_id for h in handoffs})
    arrived = [h for h in handoffs if h.to_department_id == department.pk]
    left = [h for h in handoffs if h.from_department_id == department.pk]
    return {
        "transfers_in": [h for h in arrived if h.ticket_id in visible][:TRANSFERS_SHOWN],
        "transfers_out": [h for h in left if h.ticket_id in visible][:TRANSFERS_SHOWN],
        "transfers_in_count": len(arrived),
        "transfers_out_count": len(left),
        "transfers_in_hidden": sum(1 for h in arrived if h.ticket_id not in visible),
        "transfers_out_hidden": sum(1 for h in left if h.ticket_id not in visible),
    }


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
            "transferred": HandoffKind.TRANSFERRED,
            **_transfers(user, department, now),
        },
        status=status,
    )


@require_GET
@login_required
def department_page(request, slug):
    return render_department_page(request, _department(slug))


def _refuse_contact_change(request, department):
    return forbidden(
        request,
        NotAllowed(
            _("Only the leads of %(d)s and managers can change its contacts.")
            % {"d": department.name}
        ),
    )


@require_POST
@login_required
def contact_add(request, slug):
    department = _department(slug)
    if not can_manage_contacts(request.user, department):
        return _refuse_contact_change(request, department)
    form = forms.KeyContactForm(request.POST, department=department)
    if form.is_valid():
        contact = form.save()
        messages.success(request, _("%(name)s added to the directory.") % {"name": contact.name})
        return redirect(reverse("department-detail", args=[department.slug]) + "#contacts")
    return render_department_page(request, department, contact_form=form, status=400)


def _contact(department, contact_id) -> KeyContact:
    contact = department.contacts.filter(pk=contact_id).first() if contact_id < 2**63 else None
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
            form.save()
            messages.success(request, _("%(name)s updated.") % {"name": contact.name})
            return redirect(reverse("department-detail", args=[department.slug]) + "#contacts")
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
    name = contact.name
    # Whoever had this person as their backup is left without one (SET_NULL), not removed.
    contact.delete()
    messages.success(request, _("%(name)s removed from the directory.") % {"name": name})
    return redirect(reverse("department-detail", args=[department.slug]) + "#contacts")
