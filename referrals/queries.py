"""Reads of referrals that several places need."""

from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from core.http import row_id
from core.rows import attach_groups_by_id
from departments.queries import department_ids_of
from departments.roles import is_manager
from referrals.errors import ReferralNotFound
from referrals.models import Referral
from tickets.models import Status, Ticket
from tickets.queries import ExistsForEachRow, tickets_visible_to

REFERRAL_RELATED = (
    "ticket",
    "ticket__customer",
    "ticket__department",
    "ticket__owner",
    "department",
    "asked_by",
    "claimed_by",
    "answered_by",
)


def referrals_visible_to(user: Any) -> QuerySet[Referral]:
    """Referrals on tickets ``user`` may read, and every referral to one of their departments."""
    referrals = Referral.objects.all()
    if not user.is_authenticated or not user.is_active:
        return referrals.none()
    if is_manager(user):
        return referrals
    return referrals.filter(
        Q(department_id__in=department_ids_of(user))
        | Q(ticket__in=tickets_visible_to(user).values("pk"))
    )


def referral_list(user: Any) -> QuerySet[Referral]:
    return referrals_visible_to(user).select_related(*REFERRAL_RELATED)


def access_referral(user: Any, referral_id: Any) -> Referral:
    """The referral if ``user`` may read it; the same not-found error for missing and hidden."""
    pk = row_id(referral_id)
    referral = None if pk is None else referral_list(user).filter(pk=pk).first()
    if referral is None:
        raise ReferralNotFound()
    return referral


def referrals_of(ticket: Ticket) -> QuerySet[Referral]:
    """A ticket's questions to other departments, in the order they were asked."""
    return ticket.referrals.select_related(
        "department", "asked_by", "claimed_by", "answered_by"
    ).order_by("asked_at", "id")


def open_referrals_to(department_ids: Iterable[int]) -> QuerySet[Referral]:
    """Unanswered questions to these departments on open tickets, the most urgent first."""
    # The ticket's state is looked up for each of the department's few unanswered questions
    # (a probe by primary key each), not joined: as a join PostgreSQL hashed every open
    # ticket first (50,000 at a million tickets) to keep a few hundred questions.
    ticket_open = Ticket.objects.filter(pk=OuterRef("ticket_id"), status=Status.OPEN)
    return (
        Referral.objects.filter(
            ExistsForEachRow(ticket_open),
            department_id__in=list(department_ids),
            answered_at__isnull=True,
        )
        .order_by("due_at", "id")
    )


# A referral's relations to small tables, read by id (``core.rows``) rather than joined.
REFERRAL_NAMES = ("department", "asked_by", "claimed_by", "answered_by")


def first_open_referrals_to(department_ids: Iterable[int], size: int) -> list[Referral]:
    """The ``size`` most urgent of ``open_referrals_to``, with their tickets and names.

    The ticket and its customer are joined; the people and departments of the referral and
    of its ticket are read by id, a query per table for the whole list.
    """
    rows = list(open_referrals_to(department_ids).select_related("ticket", "ticket__customer")[:size])
    attach_groups_by_id([(rows, REFERRAL_NAMES), ([referral.ticket for referral in rows], ("department", "owner"))])
    return rows


def referrals_of_tickets(ticket_ids: Iterable[int]) -> QuerySet[Referral]:
    """Every referral on these tickets (one query for a customer's whole history)."""
    return (
        Referral.objects.filter(ticket_id__in=list(ticket_ids))
        .select_related("department", "asked_by", "answered_by", "claimed_by")
        .order_by("asked_at", "id")
    )


def asked_departments_see_the_ticket(user: object, department_ids: set[int]) -> Q | None:
    """``tickets.queries.visibility_conditions``: a ticket any of these departments was
    asked about (registered by ``ReferralsConfig.ready``)."""
    if not department_ids:
        return None
    asked = Referral.objects.filter(ticket=OuterRef("pk"), department_id__in=department_ids)
    return Q(Exists(asked))
