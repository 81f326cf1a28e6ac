"""Reads of tickets that several places need, each owning its joins."""

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import Combinable

from core.http import row_id
from core.rows import attach_by_id, split_related
from departments.queries import department_ids_of, front_line_department
from departments.roles import is_manager
from tickets.errors import CustomerNotFound, TicketNotFound
from tickets.models import Customer, Handoff, HandoffKind, Note, Status, Ticket, parse_reference

# A search naming more customers than this matches them by subquery rather than by id list.
SEARCH_CUSTOMERS_LISTED = 500
TICKET_LIST_RELATED = ("customer", "department", "tier", "owner", "resolved_by", "category")
# A ticket's relations to small tables, read by id (``core.rows``) rather than joined.
TICKET_NAMES = ("department", "tier", "owner", "resolved_by", "opened_by", "category")


# Apps above tickets that put a ticket in sight of more people add a condition here in
# their AppConfig.ready (``referrals``: the departments asked about a ticket read it).
# Each is ``condition(user, department_ids) -> Q | None`` on tickets.
visibility_conditions: list[Callable[[object, set[int]], Q | None]] = []


class ExistsForEachRow(Exists):
    """``EXISTS (...)`` that PostgreSQL evaluates for each row it reaches, never all at once.

    Without it PostgreSQL turns ``EXISTS (handoffs of this ticket by me)`` inside the
    visibility OR into a hash of every ticket the person ever acted on, built before the
    first row: 24,000 handoffs for an agent after one year, a tenth of a second, growing
    with the history. ``OFFSET 0`` is a no-op that keeps the subquery from being rewritten
    that way, so a list page reads it once per row it looks at (an index probe on the
    ticket's handoffs), and only for rows outside the person's departments.
    """

    template = "EXISTS(%(subquery)s OFFSET 0)"


def tickets_visible_to(user: Any) -> QuerySet[Ticket]:
    """Return the tickets ``user`` may read.

    Managers read everything. Others read their departments' tickets, any ticket they
    have held or acted on (a transferred ticket stays in sight of whoever handed it on),
    and what ``visibility_conditions`` add: any ticket another department asked one of
    their departments about, since whoever answers a referral must read what it is about.
    """
    tickets = Ticket.objects.all()
    if not user.is_authenticated or not user.is_active:
        return tickets.none()
    if is_manager(user):
        return tickets
    departments = department_ids_of(user)
    handled = Handoff.objects.filter(ticket=OuterRef("pk")).filter(
        Q(actor=user) | Q(from_owner=user)
    )
    visible: Q | Combinable = (
        Q(department_id__in=departments) | Q(owner=user) | ExistsForEachRow(handled)
    )
    for condition in visibility_conditions:
        extra = condition(user, departments)
        if extra is not None:
            visible |= extra
    return tickets.filter(visible)


def access_ticket(user: Any, reference: int | str, *, related: Iterable[str] = TICKET_LIST_RELATED) -> Ticket:
    """Return the ticket with this reference if ``user`` may read it.

    A ticket that exists but is out of sight raises the same error as a missing one, so
    references cannot be probed.
    """
    ticket_id = reference if isinstance(reference, int) else parse_reference(reference)
    if ticket_id is None or not user.is_authenticated or not user.is_active:
        raise TicketNotFound()
    joined, by_id = split_related(related, TICKET_NAMES)
    tickets = Ticket.objects.filter(pk=ticket_id)
    if joined:  # never an empty select_related(): that would join every non-null key
        tickets = tickets.select_related(*joined)
    ticket = tickets.first()
    if ticket is None or not (
        plainly_visible(user, ticket) or tickets_visible_to(user).filter(pk=ticket_id).exists()
    ):
        raise TicketNotFound()
    attach_by_id([ticket], by_id)
    return ticket


def plainly_visible(user: Any, ticket: Ticket) -> bool:
    """Whether the ticket's own row already says ``user`` may read it: a manager, a ticket of
    one of their departments, or their own. Only the other ways into sight (a ticket they
    once acted on, one their department was asked about) need ``tickets_visible_to``'s
    query: most pages are about a ticket of one's own department, and building that
    query's OR of subqueries cost more than reading the ticket."""
    if not user.is_authenticated or not user.is_active:
        return False
    return (
        is_manager(user)
        or ticket.department_id in department_ids_of(user)
        or (ticket.owner_id is not None and ticket.owner_id == user.pk)
    )


def ticket_list(user: Any) -> QuerySet[Ticket]:
    return tickets_visible_to(user).select_related(*TICKET_LIST_RELATED)


def handoffs_of(ticket: Ticket) -> QuerySet[Handoff]:
    """The ticket's ledger, oldest first; ``with_names`` gives its rows their people and places."""
    return ticket.handoffs.order_by("at", "id")


HANDOFF_NAMES = (
    "actor", "from_owner", "to_owner", "charged_to", "from_tier", "to_tier",
    "from_department", "to_department",
)


def with_names(handoffs: Iterable[Handoff]) -> list[Handoff]:
    """The handoffs with their people, tiers and departments, in three small queries.

    Joining the ledger to eight rows of three tables in one statement cost PostgreSQL more
    to plan than to run (13 ms for a 50-entry stretch at a million tickets); a few hundred
    people and tiers are read by id instead, each once.
    """
    return attach_by_id(handoffs, HANDOFF_NAMES)  # type: ignore[return-value]


def queue_of_tier(tier_id: int) -> QuerySet[Ticket]:
    """Unowned open tickets waiting at a tier, the most urgent first."""
    return (
        Ticket.objects.filter(tier_id=tier_id, owner__isnull=True, status=Status.OPEN)
        .select_related(*TICKET_LIST_RELATED)
        .order_by("due_at", "id")
    )


def customers_matching(
    text: str, limit: int = 10, *, customers: QuerySet[Customer] | None = None
) -> QuerySet[Customer]:
    """Customers (of ``customers``, by default all) matching a phone, email or name."""
    customers = Customer.objects.all() if customers is None else customers
    text = text.strip()
    if not text:
        return customers.none()
    digits = "".join(ch for ch in text if ch.isdigit())
    match = Q(name__icontains=text) | Q(email__icontains=text) | Q(external_reference__iexact=text)
    if len(digits) >= 3:
        # Digits and "+" have no case: ``contains`` uses the phone's trigram index as it is.
        match |= Q(phone__contains=digits) | Q(phone__contains=text)
    return customers.filter(match).order_by("name", "id")[:limit]


# --- reads for the agent screens (home page, ticket page, log a call) ------------------


def _open_owned(**where: Any) -> QuerySet[Ticket]:
    return Ticket.objects.filter(status=Status.OPEN, owner__isnull=False, **where).select_related(
        *TICKET_LIST_RELATED
    )


def my_running_tickets(user: Any) -> QuerySet[Ticket]:
    """Open tickets ``user`` owns whose clock runs, the one closest to escalation first."""
    return _open_owned(owner=user, paused_at__isnull=True).order_by("due_at", "id")


def my_waiting_tickets(user: Any) -> QuerySet[Ticket]:
    """Open tickets ``user`` owns that wait on the customer, the longest waiting first."""
    return _open_owned(owner=user, paused_at__isnull=False).order_by("paused_at", "id")


def held_running_of_tier(tier_id: int) -> QuerySet[Ticket]:
    """Open tickets somebody owns at a tier whose clock runs, the most urgent first."""
    return _open_owned(tier_id=tier_id, paused_at__isnull=True).order_by("due_at", "id")


def held_waiting_of_tier(tier_id: int) -> QuerySet[Ticket]:
    """Open tickets owned at a tier that wait on the customer, the longest waiting first."""
    return _open_owned(tier_id=tier_id, paused_at__isnull=False).order_by("paused_at", "id")


def tickets_of_customer(customer_id: int) -> QuerySet[Ticket]:
    """Every ticket of a customer in every department, newest first: the caller's history."""
    return (
        Ticket.objects.filter(customer_id=customer_id)
        .select_related("department", "tier", "owner")
        .order_by("-opened_at", "-id")
    )


def open_tickets_of_customer_count(customer_id: int) -> int:
    return Ticket.objects.filter(customer_id=customer_id, status=Status.OPEN).count()


def visible_ticket_ids(user: Any, ticket_ids: Iterable[int]) -> set[int]:
    """Return which of ``ticket_ids`` the user may open (one query for a whole list)."""
    ids = list(ticket_ids)
    if not ids:
        return set()
    return set(tickets_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))


def visible_among(user: Any, tickets: Iterable[Ticket]) -> set[int]:
    """The ids of the ``tickets`` (rows already read) the user may open: those their own row
    shows visible (``plainly_visible``) without a query, the rest in one."""
    if not user.is_authenticated or not user.is_active:
        return set()
    tickets = list(tickets)
    plain = {ticket.pk for ticket in tickets if plainly_visible(user, ticket)}
    return plain | visible_ticket_ids(user, [t.pk for t in tickets if t.pk not in plain])


def notes_of(ticket: Ticket) -> QuerySet[Note]:
    return ticket.notes.select_related("author").order_by("created_at", "id")


def callers_matching(
    text: str, limit: int = 8, recent: int = 3, *, customers: QuerySet[Customer] | None = None
) -> list[Customer]:
    """Customers matching a phone, email or name, each with ``open_tickets`` and ``recent_tickets``.

    ``customers`` narrows the search (``customers_visible_to(user)`` on the screens).

    Two prefetches keep the lookup at three queries however long a customer's history is:
    every open ticket (the agent must see those), and only the last few resolved ones.
    """
    # Imported here so the module's existing import block stays as other code expects it.
    from django.db.models import Prefetch, prefetch_related_objects

    matches = list(customers_matching(text, limit=limit, customers=customers))
    if not matches:
        return []
    related = Ticket.objects.select_related("department", "tier", "owner")
    prefetch_related_objects(
        matches,
        Prefetch(
            "tickets",
            queryset=related.filter(status=Status.OPEN).order_by("-opened_at", "-id"),
            to_attr="open_tickets",
        ),
        Prefetch(
            "tickets",
            queryset=related.filter(status=Status.RESOLVED).order_by("-resolved_at", "-id")[
                :recent
            ],
            to_attr="recent_tickets",
        ),
    )
    return matches


def search_open_tickets(tickets: QuerySet[Ticket], text: str) -> QuerySet[Ticket]:
    """Narrow ``tickets`` to those whose reference, customer or text matches ``text``.

    The customers are matched on their own (``customers_matching_text``, answered by trigram
    indexes on PostgreSQL) and joined by id, so the search never joins each ticket to its
    customer to test a pattern.
    """
    text = text.strip()
    if not text:
        return tickets
    # A short list of ids lets PostgreSQL combine the customer index with the subject and
    # description trigram indexes (a BitmapOr); a text that matches crowds of customers
    # stays a subquery, and the list walks its open tickets in order instead.
    customers = customers_matching_text(text).values_list("pk", flat=True)
    customer_ids = list(customers[: SEARCH_CUSTOMERS_LISTED + 1])
    match = (
        Q(subject__icontains=text)
        | Q(description__icontains=text)
        | Q(customer_id__in=customer_ids if len(customer_ids) <= SEARCH_CUSTOMERS_LISTED else customers)
    )
    ticket_id = parse_reference(text)
    if ticket_id is not None:
        match |= Q(pk=ticket_id)
    return tickets.filter(match)


def customers_matching_text(text: str) -> QuerySet[Customer]:
    """Customers whose name, email or phone contains ``text`` (trigram indexes on PostgreSQL)."""
    return Customer.objects.filter(
        Q(name__icontains=text) | Q(email__icontains=text) | Q(phone__contains=text)
    )


# --- referrals, transfers and the customer's whole story -------------------------------

def transfers_of_department(department_id: int, *, since: datetime) -> QuerySet[Handoff]:
    """Tickets transferred into or out of a department since ``since``, newest first."""
    return (
        Handoff.objects.filter(kind=HandoffKind.TRANSFERRED, at__gte=since)
        .filter(Q(to_department_id=department_id) | Q(from_department_id=department_id))
        .select_related("ticket", "actor", "from_department", "to_department")
        .order_by("-at", "-id")
    )


def customers_visible_to(user: Any) -> QuerySet[Customer]:
    """Return the customers ``user`` may read: all for managers and for the front line (the
    people who take the calls must recognise a returning caller), else those with a ticket
    the user may read. The one rule for the customer page, the caller lookup and the
    caller panel of the log-a-call form."""
    customers = Customer.objects.all()
    if not user.is_authenticated or not user.is_active:
        return customers.none()
    if is_manager(user):
        return customers
    front_line = front_line_department()
    if front_line is not None and front_line.pk in department_ids_of(user):
        return customers
    return customers.filter(Exists(tickets_visible_to(user).filter(customer_id=OuterRef("pk"))))


def access_customer(user: Any, customer_id: Any) -> Customer:
    """The customer if ``user`` is a manager or may read at least one of their tickets.

    Missing and out-of-sight customers raise the same error, so ids cannot be probed.
    """
    pk = row_id(customer_id)
    customer = None if pk is None else customers_visible_to(user).filter(pk=pk).first()
    if customer is None:
        raise CustomerNotFound()
    return customer
