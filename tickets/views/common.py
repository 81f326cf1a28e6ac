"""What every screen shares: finding the ticket, and turning domain errors into pages."""

from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from departments.queries import members_of_tier
from tickets.errors import InvalidInput, NotAllowed, TicketNotFound
from tickets.queries import access_ticket, visible_ticket_ids

# Ids are PostgreSQL bigints.
MAX_ID = 2**63 - 1


def parse_id(raw) -> int | None:
    """The row id written in ``raw`` (a query or form value), or None when it names no row.

    Only ASCII digits count: ``str.isdigit()`` also accepts "²", which ``int()`` refuses
    (a 500), and ``int()`` accepts other scripts' digits, which no link of ours contains.
    """
    if not isinstance(raw, str) or not (0 < len(raw) <= 19 and raw.isascii() and raw.isdigit()):
        return None
    value = int(raw)
    return value if 0 < value <= MAX_ID else None


def bad_parameter(field: str, message: str) -> HttpResponseBadRequest:
    """Answer a malformed query parameter: 400, naming it (nothing was read or changed)."""
    return HttpResponseBadRequest(f"{field}: {message}", content_type="text/plain; charset=utf-8")


def get_ticket(user, reference):
    """The ticket if the user may read it; a 404 for missing and invisible tickets alike."""
    try:
        return access_ticket(user, reference)
    except TicketNotFound as exc:
        raise Http404(exc.message) from exc


def forbidden(request, error: NotAllowed | None = None):
    """Answer a move the user may not make: 403, with the reason in words."""
    message = error.message if error is not None else NotAllowed.default_message
    return render(request, "403.html", {"message": message}, status=403)


def put_on_form(form, error: InvalidInput) -> None:
    """Show an action's InvalidInput on the field it names (or on the whole form)."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def tier_members(tier) -> list:
    """Active members of a tier, for Assign selects (loaded once, not once per row)."""
    return [m.user for m in members_of_tier(tier).order_by("user__username") if m.user.is_active]


def mark_openable(user, tickets) -> list:
    """Set ``can_open`` on each ticket: the customer's whole history is shown to whoever
    serves them, but only the tickets the user may read are links."""
    tickets = list(tickets)
    openable = visible_ticket_ids(user, [t.pk for t in tickets])
    for ticket in tickets:
        ticket.can_open = ticket.pk in openable
    return tickets
