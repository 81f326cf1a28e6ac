"""Reads of tickets that several places need, each owning its joins."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from departments.queries import department_ids_of
from departments.roles import is_manager
from tickets.errors import TicketNotFound
from tickets.models import Customer, Handoff, Status, Ticket, parse_reference

TICKET_LIST_RELATED = ("customer", "department", "tier", "owner", "resolved_by", "category")


def tickets_visible_to(user) -> QuerySet[Ticket]:
    """Return the tickets ``user`` may read.

    Managers read everything. Others read their departments' tickets, and any ticket they
    have held or acted on (a transferred ticket stays in sight of whoever handed it on).
    """
    tickets = Ticket.objects.all()
    if not user.is_authenticated or not user.is_active:
        return tickets.none()
    if is_manager(user):
        return tickets
    handled = Handoff.objects.filter(ticket=OuterRef("pk")).filter(Q(actor=user) | Q(from_owner=user))
    return tickets.filter(
        Q(department_id__in=department_ids_of(user)) | Q(owner=user) | Exists(handled)
    )


def access_ticket(user, reference, *, related=TICKET_LIST_RELATED) -> Ticket:
    """Return the ticket with this reference if ``user`` may read it.

    A ticket that exists but is out of sight raises the same error as a missing one, so
    references cannot be probed.
    """
    ticket_id = reference if isinstance(reference, int) else parse_reference(reference)
    if ticket_id is None:
        raise TicketNotFound()
    ticket = tickets_visible_to(user).select_related(*related).filter(pk=ticket_id).first()
    if ticket is None:
        raise TicketNotFound()
    return ticket


def ticket_list(user) -> QuerySet[Ticket]:
    return tickets_visible_to(user).select_related(*TICKET_LIST_RELATED)


def handoffs_of(ticket: Ticket) -> QuerySet[Handoff]:
    return ticket.handoffs.select_related(
        "actor", "from_owner", "to_owner", "from_tier", "to_tier", "from_department", "to_department"
    ).order_by("at", "id")


def tickets_due_for_escalation(now) -> QuerySet[Ticket]:
    """Open tickets whose time at their tier has run out and that are not yet breached."""
    return Ticket.objects.filter(status=Status.OPEN, breached=False, due_at__lte=now)


def queue_of_tier(tier_id: int) -> QuerySet[Ticket]:
    """Unowned open tickets waiting at a tier, the most urgent first."""
    return (
        Ticket.objects.filter(tier_id=tier_id, owner__isnull=True, status=Status.OPEN)
        .select_related(*TICKET_LIST_RELATED)
        .order_by("due_at", "id")
    )


def customers_matching(text: str, limit: int = 10) -> QuerySet[Customer]:
    text = text.strip()
    if not text:
        return Customer.objects.none()
    digits = "".join(ch for ch in text if ch.isdigit())
    match = Q(name__icontains=text) | Q(email__icontains=text) | Q(external_reference__iexact=text)
    if len(digits) >= 3:
        match |= Q(phone__contains=digits) | Q(phone__icontains=text)
    return Customer.objects.filter(match).order_by("name", "id")[:limit]
