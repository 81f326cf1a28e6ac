"""The ticket page: header, customer panel, one timeline, and the moves this user may make.

Beside the ticket itself it shows what other departments can add: the questions asked
of them (and their answers), the news about the ticket's category first, and one-click
links into the other departments' systems for this customer.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from core.http import bad_parameter
from departments.models import CustomerLinkTemplate
from departments.queries import bulletins_for_category
from departments.roles import is_manager
from tickets import forms
from tickets.bounded import InvalidCursor
from tickets.page import ticket_page_parts
from tickets.queries import tickets_of_customer
from tickets.rules import allowed_moves
from tickets.timeline_window import timeline_window
from tickets.views.common import get_ticket, mark_openable, tier_members

# How many bulletins the ticket page shows; the bulletins page has the rest.
TICKET_BULLETINS = 5
# The customer's other tickets beside the ticket, newest first; their page has them all.
CUSTOMER_HISTORY = 10


def customer_links(customer) -> list[tuple[str, str, str]]:
    """(label, department, url) of every department's system for this customer, if known."""
    if not customer.external_reference:
        return []
    return [
        (link.label, link.department.name, link.url_for(customer.external_reference))
        for link in CustomerLinkTemplate.objects.select_related("department").order_by(
            "department__name", "label"
        )
    ]


def _move_forms(ticket, moves: set[str], members) -> dict:
    """Blank forms for the moves on offer (``tickets.rules.allowed_moves``): only what the
    user may do is ever rendered."""
    made = {
        "release": lambda: forms.ReleaseForm(),
        "assign": lambda: forms.AssignForm(members=members),
        "pass": lambda: forms.PassUpForm(),
        "transfer": lambda: forms.TransferForm(ticket=ticket),
        "resolve": lambda: forms.ResolveForm(),
        "note": lambda: forms.NoteForm(),
        "pause": lambda: forms.PauseForm(),
        "resume": lambda: forms.ResumeForm(),
    }
    return {move: build() for move, build in made.items() if move in moves}


def render_ticket_page(request, ticket, *, bound=None, error=None, status=200):
    """Render the page; ``bound`` holds a submitted form with its errors, ``error`` a
    conflict (someone else acted first) to show in words."""
    user = request.user
    moves = allowed_moves(user, ticket)
    members = tier_members(ticket.tier) if "assign" in moves else []
    move_forms = _move_forms(ticket, moves, members)
    others = tickets_of_customer(ticket.customer_id).exclude(pk=ticket.pk)
    history = mark_openable(user, others[: CUSTOMER_HISTORY + 1])
    now = timezone.now()
    bound = dict(bound or {})
    # What the apps above tickets add (referrals): they take their own bound forms.
    parts = ticket_page_parts.build(request, ticket, moves=moves, bound=bound, now=now)
    for move, form in bound.items():
        if move == "assign":
            form.fields["to"].choices = forms.AssignForm(members=members).fields["to"].choices
        move_forms[move] = form
    return render(
        request,
        "tickets/ticket_detail.html",
        {
            "ticket": ticket,
            "moves": moves,
            "forms": move_forms,
            # The latest stretch of the story (or the one the cursor names), in the
            # ledger's write order: replaying it gives the ticket's state.
            "timeline": timeline_window(ticket, request.GET.get("cursor"), parts.entries),
            "history": history[:CUSTOMER_HISTORY],
            "more_history": len(history) > CUSTOMER_HISTORY,
            "error": error,
            "just_logged": request.GET.get("new") == "1",
            "bulletins": bulletins_for_category(now, ticket.category_id, limit=TICKET_BULLETINS),
            "customer_links": customer_links(ticket.customer),
            "is_manager": is_manager(user),
            **parts.context,
        },
        status=status,
    )


@require_GET
@login_required
def ticket_detail(request, reference):
    ticket = get_ticket(request.user, reference)
    try:
        return render_ticket_page(request, ticket)
    except InvalidCursor as exc:  # the timeline's cursor (tickets.timeline_window)
        return bad_parameter("cursor", exc.message)
