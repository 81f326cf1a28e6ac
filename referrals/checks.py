"""Referrals a person asks for: found, checked, then done (the steps of ``tickets.checks``).

Each ``check_*`` finds the ticket or referral with its visibility rule (the same 404 for
missing and hidden alike), refuses a user without the right to the move with NotAllowed
(``referrals.rules``, a 403 with one message), then calls the action, which locks the row
and checks again, the state included (a 409 when it no longer offers the move).
"""

from datetime import datetime

from django.contrib.auth.models import User

from departments.models import Department
from referrals import rules
from referrals.actions import do_answer_referral, do_claim_referral, do_refer_ticket
from referrals.models import Referral
from referrals.queries import access_referral
from tickets.models import Ticket
from tickets.queries import access_ticket


def ticket_for_referring(user: User, reference: str) -> Ticket:
    """The ticket, if ``user`` may read it and ask about it. Raises TicketNotFound or NotAllowed."""
    ticket = access_ticket(user, reference)
    rules.require_right("refer", user, ticket)
    return ticket


def referral_for(user: User, referral_id: int | str, move: str) -> Referral:
    """The referral, if ``user`` may read it and has the right to ``move`` ("claim" or
    "answer") on it. Raises ReferralNotFound or NotAllowed."""
    referral = access_referral(user, referral_id)
    rules.require_right(move, user, referral)
    return referral


def check_refer_ticket(
    user: User,
    reference: str,
    *,
    department: Department | None,
    question: str,
    now: datetime | None = None,
) -> Referral:
    ticket = ticket_for_referring(user, reference)
    return do_refer_ticket(ticket, by=user, department=department, question=question, now=now)


def check_claim_referral(
    user: User, referral_id: int | str, *, now: datetime | None = None
) -> Referral:
    referral = referral_for(user, referral_id, "claim")
    return do_claim_referral(referral, by=user, now=now)


def check_answer_referral(
    user: User, referral_id: int | str, *, answer: str, now: datetime | None = None
) -> Referral:
    referral = referral_for(user, referral_id, "answer")
    return do_answer_referral(referral, by=user, answer=answer, now=now)
