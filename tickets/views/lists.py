"""The full lists behind the home page's panels, a page at a time by cursor.

Each home panel (``desk.views.home``) shows the most urgent ``TIERDESK_PANEL_SIZE``
tickets and links here, where they come ``TIERDESK_PAGE_SIZE`` a page. The pages follow the panels' rules: my own tickets for everyone;
a tier's queue for its members (its leads among them) and managers; the tickets held at a
tier for its leads and managers. A missing tier is a 404, a tier not one's own a 403, and
a cursor that is not one of ours a 400 naming it.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.http import bad_parameter, forbidden
from departments.models import Tier
from departments.roles import is_manager
from tickets.bounded import InvalidCursor, page_after
from tickets.queries import (
    held_running_of_tier,
    held_waiting_of_tier,
    my_running_tickets,
    my_waiting_tickets,
    queue_of_tier,
)
from tickets.rules import is_lead_of_tier, is_member_of_tier
from tickets.views.common import tier_members


def _page(request, tickets, *, key, kind, title, url, **extra):
    try:
        page = page_after(tickets, key, request.GET.get("cursor"))
    except InvalidCursor as exc:
        return bad_parameter("cursor", exc.message)
    return render(
        request,
        "tickets/ticket_pages.html",
        {"list": page, "kind": kind, "title": title, "url": url,
         "cells": _cells(kind, extra.get("is_lead", False)), **extra},
    )


def _cells(kind: str, is_lead: bool) -> str:
    """The columns of a list's rows (``ticket_rows.ticket_row``), as its header names them."""
    owner = " owner" if kind == "held" else ""
    assign = " assign" if is_lead else ""
    return f"link subject where{owner} countdown{assign}"


def _tier(tier_id) -> Tier:
    tier = Tier.objects.select_related("department").filter(pk=tier_id).first()
    if tier is None:
        raise Http404(_("No such tier."))
    return tier


@require_GET
@login_required
def my_tickets(request):
    return _page(
        request, my_running_tickets(request.user), key="due_at", kind="mine",
        title=_("My tickets"), url=reverse("my-tickets"),
    )


@require_GET
@login_required
def my_waiting(request):
    return _page(
        request, my_waiting_tickets(request.user), key="paused_at", kind="waiting",
        title=_("My tickets waiting on the customer"), url=reverse("my-waiting-tickets"),
    )


@require_GET
@login_required
def tier_queue(request, tier_id):
    tier = _tier(tier_id)
    user = request.user
    if not (is_member_of_tier(user, tier.pk) or is_manager(user)):
        return forbidden(request)
    is_lead = is_lead_of_tier(user, tier.pk)
    return _page(
        request, queue_of_tier(tier.pk), key="due_at", kind="queue",
        title=_("Queue of %(tier)s (%(department)s)") % {"tier": tier.name, "department": tier.department.name},
        url=reverse("tier-queue", args=[tier.pk]), is_lead=is_lead,
        members=tier_members(tier) if is_lead else [],
    )


def _held_page(request, tier_id, *, waiting: bool):
    tier = _tier(tier_id)
    user = request.user
    is_lead = is_lead_of_tier(user, tier.pk)
    if not (is_lead or is_manager(user)):
        return forbidden(request)
    names = {"tier": tier.name, "department": tier.department.name}
    if waiting:
        return _page(
            request, held_waiting_of_tier(tier.pk), key="paused_at", kind="waiting",
            title=_("Owned at %(tier)s (%(department)s), waiting on the customer") % names,
            url=reverse("tier-held-waiting", args=[tier.pk]), show_owner=True,
        )
    return _page(
        request, held_running_of_tier(tier.pk), key="due_at", kind="held",
        title=_("Owned at %(tier)s (%(department)s)") % names,
        url=reverse("tier-held", args=[tier.pk]), is_lead=is_lead,
        members=tier_members(tier) if is_lead else [],
    )


@require_GET
@login_required
def tier_held(request, tier_id):
    return _held_page(request, tier_id, waiting=False)


@require_GET
@login_required
def tier_held_waiting(request, tier_id):
    return _held_page(request, tier_id, waiting=True)
