"""The ticket page: header, customer panel, one timeline, and the moves this user may make."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tickets import forms
from tickets.queries import handoffs_of, notes_of, tickets_of_customer
from tickets.timeline import timeline
from tickets.transitions import allowed_moves
from tickets.views.common import get_ticket, mark_openable, tier_members


def _move_forms(ticket, moves: set[str], members) -> dict:
    """Blank forms for the moves on offer; only what the user may do is ever rendered."""
    made = {
        "release": lambda: forms.ReleaseForm(),
        "assign": lambda: forms.AssignForm(members=members),
        "pass": lambda: forms.PassUpForm(),
        "transfer": lambda: forms.TransferForm(ticket=ticket),
        "resolve": lambda: forms.ResolveForm(),
        "note": lambda: forms.NoteForm(),
    }
    return {move: build() for move, build in made.items() if move in moves}


def render_ticket_page(request, ticket, *, bound=None, error=None, status=200):
    """Render the page; ``bound`` holds a submitted form with its errors, ``error`` a
    conflict (someone else acted first) to show in words."""
    user = request.user
    moves = allowed_moves(user, ticket)
    members = tier_members(ticket.tier) if "assign" in moves else []
    move_forms = _move_forms(ticket, moves, members)
    for move, form in (bound or {}).items():
        if move == "assign":
            form.fields["to"].choices = forms.AssignForm(members=members).fields["to"].choices
        move_forms[move] = form
    history = mark_openable(user, tickets_of_customer(ticket.customer_id).exclude(pk=ticket.pk))
    return render(
        request,
        "tickets/ticket_detail.html",
        {
            "ticket": ticket,
            "moves": moves,
            "forms": move_forms,
            # The ledger's write order: replaying it gives the ticket's state.
            "entries": timeline(handoffs_of(ticket).order_by("id"), notes_of(ticket)),
            "history": history,
            "error": error,
            "just_logged": request.GET.get("new") == "1",
        },
        status=status,
    )


@require_GET
@login_required
def ticket_detail(request, reference):
    return render_ticket_page(request, get_ticket(request.user, reference))
