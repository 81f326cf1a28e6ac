"""The moves on a ticket posted from the browser: claim, release, assign, pass up, transfer,
resolve, add a note, wait on the customer and resume.

Each goes through its ``tickets.checks`` entry point, whose action locks the row and
re-checks everything. The view first refuses, with a 403, a user without the right to the
move (``tickets.checks.ticket_for_move``, a forged POST), so a refusal does not depend on
what was typed in the form. That reads the ticket once more than the check itself would,
because the forms need the ticket (its tier's members, the other departments) to be
validated at all.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from core.errors import Conflict, InvalidInput, NotAllowed
from core.http import forbidden, put_on_form, safe_next
from tickets import checks, forms
from tickets.errors import TicketNotFound
from tickets.queries import access_ticket
from tickets.rules import is_lead_of_tier
from tickets.views.common import tier_members
from tickets.views.ticket_page import render_ticket_page


@dataclass(frozen=True)
class Move:
    form: type
    # The move's ``tickets.checks`` entry point, given the user, the ticket's id and the
    # form's cleaned data.
    check: Callable
    done: str
    form_kwargs: Callable = lambda ticket: {}


MOVES: dict[str, Move] = {
    "claim": Move(
        form=forms.ClaimForm,
        check=lambda u, t, d: checks.check_claim_ticket(u, t),
        done=_("You own this ticket now."),
    ),
    "release": Move(
        form=forms.ReleaseForm,
        check=lambda u, t, d: checks.check_release_ticket(u, t, note=d["note"]),
        done=_("Released back to the tier's queue."),
    ),
    "assign": Move(
        form=forms.AssignForm,
        check=lambda u, t, d: checks.check_assign_ticket(u, t, to=d["to"], note=d["note"]),
        done=_("Assigned."),
        form_kwargs=lambda t: {"tier": t.tier},
    ),
    "pass": Move(
        form=forms.PassUpForm,
        check=lambda u, t, d: checks.check_pass_up(u, t, note=d["note"]),
        done=_("Passed up to the next tier."),
    ),
    "transfer": Move(
        form=forms.TransferForm,
        check=lambda u, t, d: checks.check_transfer_ticket(
            u, t, department=d["department"], note=d["note"]
        ),
        done=_("Transferred."),
        form_kwargs=lambda t: {"ticket": t},
    ),
    "resolve": Move(
        form=forms.ResolveForm,
        check=lambda u, t, d: checks.check_resolve_ticket(u, t, resolution=d["resolution"]),
        done=_("Resolved."),
    ),
    "note": Move(
        form=forms.NoteForm,
        check=lambda u, t, d: checks.check_add_note(
            u, t, body=d["body"], internal=d["visibility"] == "internal",
            customer_answer=d["customer_answer"],
        ),
        done=_("Note added."),
    ),
    "pause": Move(
        form=forms.PauseForm,
        check=lambda u, t, d: checks.check_pause_ticket(u, t, reason=d["reason"]),
        done=_("Waiting on the customer: the clock is stopped."),
    ),
    "resume": Move(
        form=forms.ResumeForm,
        check=lambda u, t, d: checks.check_resume_ticket(u, t, note=d["note"]),
        done=_("Resumed: the clock runs again."),
    ),
}


@require_POST
@login_required
def ticket_move(request, reference, move):
    spec = MOVES.get(move)
    if spec is None:
        raise Http404()
    user = request.user
    try:
        ticket = checks.ticket_for_move(user, reference, move)
    except TicketNotFound as exc:
        raise Http404(exc.message) from exc
    except NotAllowed as exc:
        return forbidden(request, exc)
    form = spec.form(request.POST, **spec.form_kwargs(ticket))
    conflict = None
    if form.is_valid():
        try:
            spec.check(user, ticket.pk, form.cleaned_data)
        except TicketNotFound as exc:
            raise Http404(exc.message) from exc
        except NotAllowed as exc:
            return forbidden(request, exc)
        except InvalidInput as exc:
            put_on_form(form, exc)
        except Conflict as exc:
            conflict = exc
        else:
            return _done(request, spec, move, ticket)
    if request.htmx and move == "claim":
        return _queue_row(request, ticket, error=conflict)
    if conflict is not None:
        return render_ticket_page(request, _fresh(user, ticket), error=conflict.message, status=409)
    return render_ticket_page(request, _fresh(user, ticket), bound={move: form}, status=400)


def _fresh(user, ticket):
    """Re-read the ticket after a failed move: someone else may have just changed it."""
    try:
        return access_ticket(user, ticket.pk)
    except TicketNotFound:
        # It may have moved out of this user's sight (e.g. transferred away): show what we had.
        return ticket


def _done(request, spec: Move, move: str, ticket):
    if request.htmx and move == "claim":
        return _queue_row(request, ticket, claimed=True)
    messages.success(request, spec.done)
    fallback = reverse("ticket-detail", args=[ticket.reference])
    try:
        # After a move the ticket may be out of the user's sight (transferred to a department
        # they are not in and never held): send them home instead of to a 404.
        access_ticket(request.user, ticket.pk)
    except TicketNotFound:
        fallback = reverse("home")
    return redirect(safe_next(request, fallback))


def _queue_row(request, ticket, *, claimed=False, error=None):
    """The queue row after a claim from the home page: the winner sees it is theirs, the
    colleague who lost the race sees who got it."""
    ticket = _fresh(request.user, ticket)
    is_lead = is_lead_of_tier(request.user, ticket.tier_id)
    message = _("Claimed: it is yours now.") if claimed else (error.message if error else None)
    return render(
        request,
        "tickets/partials/queue_row.html",
        {
            "ticket": ticket,
            "row_message": message,
            "row_ok": claimed,
            "is_lead": is_lead,
            "members": tier_members(ticket.tier) if is_lead else [],
        },
    )
