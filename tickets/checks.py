"""What a person asks to do to a ticket: found, checked, then done. The screens and the API
call these; the admin, the clock and the commands call the ``do_*`` actions directly.

Each ``check_<verb>_<noun>(user, reference, ...)``:

1. finds the ticket with the visibility rule (``tickets.queries.access_ticket``): the same
   TicketNotFound, a 404, for a missing ticket and for one out of the user's sight;
2. refuses a user without the right to the move (``tickets.rules``) with NotAllowed, a 403
   with the move's one message;
3. calls the ``do_*`` action, which locks the row and checks again, the ticket's state
   included: a move the state no longer offers is its Conflict, a 409.

``ticket_for_move`` is steps 1 and 2 alone, for a screen or endpoint that must refuse the
user before it reads their input, so a refusal never depends on what was typed.
"""

from datetime import datetime
from typing import Any

from django.contrib.auth.models import User

from departments.models import Department
from tickets import actions, rules
from tickets.models import Note, Ticket
from tickets.queries import TICKET_LIST_RELATED, access_ticket


def ticket_for_move(
    user: User, reference: str, move: str, *, related: tuple[str, ...] = TICKET_LIST_RELATED
) -> Ticket:
    """The ticket, if ``user`` may read it and has the right to ``move`` on it.

    Raises TicketNotFound or NotAllowed.
    """
    ticket = access_ticket(user, reference, related=related)
    rules.require_right(move, user, ticket)
    return ticket


def check_claim_ticket(user: User, reference: str, *, now: datetime | None = None) -> Ticket:
    ticket = ticket_for_move(user, reference, "claim")
    return actions.do_claim_ticket(ticket, by=user, now=now)


def check_release_ticket(
    user: User, reference: str, *, note: str = "", now: datetime | None = None
) -> Ticket:
    ticket = ticket_for_move(user, reference, "release")
    return actions.do_release_ticket(ticket, by=user, note=note, now=now)


def check_assign_ticket(
    user: User, reference: str, *, to: User, note: str = "", now: datetime | None = None
) -> Ticket:
    ticket = ticket_for_move(user, reference, "assign")
    return actions.do_assign_ticket(ticket, by=user, to=to, note=note, now=now)


def check_pass_up(user: User, reference: str, *, note: str, now: datetime | None = None) -> Ticket:
    ticket = ticket_for_move(user, reference, "pass")
    return actions.do_pass_up(ticket, by=user, note=note, now=now)


def check_transfer_ticket(
    user: User,
    reference: str,
    *,
    department: Department | None,
    note: str,
    now: datetime | None = None,
) -> Ticket:
    ticket = ticket_for_move(user, reference, "transfer")
    return actions.do_transfer_ticket(ticket, by=user, department=department, note=note, now=now)


def check_resolve_ticket(
    user: User, reference: str, *, resolution: str, now: datetime | None = None
) -> Ticket:
    ticket = ticket_for_move(user, reference, "resolve")
    return actions.do_resolve_ticket(ticket, by=user, resolution=resolution, now=now)


def check_add_note(
    user: User,
    reference: str,
    *,
    body: str,
    internal: bool = True,
    customer_answer: bool = False,
    now: datetime | None = None,
) -> Note:
    """Add a note; the customer's answer to a ticket waiting on them also restarts its clock,
    which needs no right but the note's (``actions.do_add_note``)."""
    # A note's refusal names nothing of the ticket: its relations need not be read.
    ticket = ticket_for_move(user, reference, "note", related=())
    return actions.do_add_note(
        ticket, by=user, body=body, internal=internal, customer_answer=customer_answer, now=now
    )


def check_pause_ticket(
    user: User, reference: str, *, reason: str, now: datetime | None = None
) -> Ticket:
    ticket = ticket_for_move(user, reference, "pause")
    return actions.do_pause_ticket(ticket, by=user, reason=reason, now=now)


def check_resume_ticket(
    user: User, reference: str, *, note: str = "", now: datetime | None = None
) -> Ticket:
    ticket = ticket_for_move(user, reference, "resume")
    return actions.do_resume_ticket(ticket, by=user, note=note, now=now)


def check_log_call(user: User, *, resolution: str | None = None, **call: Any) -> Ticket:
    """Log a call (``actions.do_log_call``); resolving it on the spot is for whoever
    ``rules.may_resolve_on_call`` allows."""
    if resolution is not None:
        rules.require_resolve_on_call(user)
    return actions.do_log_call(by=user, resolution=resolution, **call)
