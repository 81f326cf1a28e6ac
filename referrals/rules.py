"""Who may ask another department, take a question and answer it: one predicate per move.

As in ``tickets.rules``, each predicate is the person's right (``right_to``; without it a
403 with the move's one message, from ``referrals.checks`` and again from the action under
the lock) and a state that offers the move (an open ticket, an unanswered question, not
taken by a colleague), which the action enforces with a 409.

The rule for answering, everywhere (the queue, the referral page, the ticket page): members
of the asked department and managers answer; a question a colleague took is theirs to
answer, unless the answerer is a lead of the department or a manager.
"""

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from core.errors import NotAllowed
from core.typing import UserLike
from departments.permissions import is_lead_in_department, is_member_of_department
from departments.roles import is_manager
from referrals.models import Referral
from tickets.models import Ticket
from tickets.rules import is_active_user, is_owner


def _member_or_manager(user: UserLike, referral: Referral) -> bool:
    return (is_active_user(user) and is_member_of_department(user, referral.department_id)) or is_manager(user)


# The subject is the move's: a Ticket for "refer", a Referral for "claim" and "answer".
_RIGHTS: dict[str, tuple[Callable[[UserLike, Any], bool], Callable[[Any], str]]] = {
    "refer": (
        lambda user, ticket: is_owner(user, ticket) or is_manager(user),
        lambda ticket: _("Only the ticket's owner can ask another department about it."),
    ),
    "claim": (
        _member_or_manager,
        lambda referral: _("Only members of %(d)s can take its questions.") % {"d": referral.department.name},
    ),
    "answer": (
        _member_or_manager,
        lambda referral: _("Only members of %(d)s can answer its referrals.") % {"d": referral.department.name},
    ),
}


def right_to(move: str, user: UserLike, subject: Ticket | Referral) -> bool:
    """Whether ``user`` may ever make ``move`` ("refer" on a ticket, "claim" or "answer" on
    a referral), the state aside."""
    right, _refusal = _RIGHTS[move]
    return right(user, subject)


def require_right(move: str, user: UserLike, subject: Ticket | Referral) -> None:
    right, refusal = _RIGHTS[move]
    if not right(user, subject):
        raise NotAllowed(refusal(subject))


def is_waiting(referral: Referral) -> bool:
    """Unanswered, on a ticket still open: the only questions anyone can act on."""
    return referral.is_open and referral.ticket.is_open


def may_answer_someone_elses(user: UserLike, referral: Referral) -> bool:
    """Answer a question a colleague took: leads of the asked department and managers."""
    return is_manager(user) or (is_active_user(user) and is_lead_in_department(user, referral.department_id))


def may_refer(user: UserLike, ticket: Ticket) -> bool:
    """Ask another department about an open ticket: its owner and managers."""
    return ticket.is_open and right_to("refer", user, ticket)


def may_claim_referral(user: UserLike, referral: Referral) -> bool:
    """Take a waiting question nobody took: members of the asked department and managers."""
    return is_waiting(referral) and referral.claimed_by_id is None and right_to("claim", user, referral)


def may_answer_referral(user: UserLike, referral: Referral) -> bool:
    """Answer a waiting question: see the module's docstring."""
    return (
        is_waiting(referral)
        and right_to("answer", user, referral)
        and (referral.claimed_by_id in (None, user.pk) or may_answer_someone_elses(user, referral))
    )
