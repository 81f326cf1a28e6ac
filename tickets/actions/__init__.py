"""Every change to a ticket happens in this package.

Each ``do_*`` function locks the ticket row, checks that the move is allowed and that the
actor may make it, changes the ticket, writes exactly one Handoff in the same transaction
and leaves side effects (emails) to run after commit. Views, the API, the admin, Celery
tasks and commands call these (through the ``check_*`` entry points of ``tickets.checks``
where a person asks); nothing else saves a ticket. Who may make which move is written once,
in ``tickets.rules``. ``moves`` holds a person's moves, ``log_call`` the caller and ticket
written together, ``escalation`` the clock's write (the sweep that calls it is
``escalation.sweep``), ``pause`` waiting on the customer and its limit.
"""

from tickets.actions.common import MAX_TEXT, clean_text, lock_ticket, require_open, user_by_username
from tickets.actions.escalation import SweepResult, do_escalate_batch
from tickets.actions.log_call import do_log_call
from tickets.actions.moves import (
    do_add_note,
    do_assign_ticket,
    do_claim_ticket,
    do_open_and_resolve_ticket,
    do_open_ticket,
    do_pass_up,
    do_release_ticket,
    do_resolve_ticket,
    do_transfer_ticket,
)
from tickets.actions.pause import ExpiryResult, do_expire_pauses, do_pause_ticket, do_resume_ticket

__all__ = [
    "MAX_TEXT",
    "ExpiryResult",
    "SweepResult",
    "clean_text",
    "do_add_note",
    "do_assign_ticket",
    "do_claim_ticket",
    "do_escalate_batch",
    "do_expire_pauses",
    "do_log_call",
    "do_open_and_resolve_ticket",
    "do_open_ticket",
    "do_pass_up",
    "do_pause_ticket",
    "do_release_ticket",
    "do_resolve_ticket",
    "do_resume_ticket",
    "do_transfer_ticket",
    "lock_ticket",
    "require_open",
    "user_by_username",
]
