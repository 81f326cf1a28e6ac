"""Who a time-out is charged to: the late-release rule, written once.

A *late release* is a ``released`` ledger entry made by the ticket's owner themselves
(``actor == from_owner``) with at most ``TIERDESK_LATE_RELEASE_SHARE`` of the tier's time
left (``due_at - at <= share x tier_time``, both as stored on that entry). A *late
receipt* is an owner who got the ticket less than ``TIERDESK_LATE_RECEIPT_MINUTES`` before
its deadline. When a ticket times out, the sweep charges its owner, unless the owner was a
late receipt after a late release at the same tier visit: then the releaser is charged.
Nobody owning it, the last releaser at that tier visit is charged, or nobody (an unowned
time-out, the tier lead's to answer for).

``is_late_release`` (Python, for rows in hand) and ``late_release_condition`` (a ``Q`` for
querysets over Handoff) say the same thing; tests/tickets/test_responsibility.py holds them
to it. Entries written before the facts were stored (``due_at`` or ``tier_time`` empty)
are never late. Settings are read when called, never at import.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import DurationField, ExpressionWrapper, F, Q, Value
from django.db.models.lookups import LessThanOrEqual

from tickets.models import HandoffKind

DEFAULT_LATE_RELEASE_SHARE = 0.25
DEFAULT_LATE_RECEIPT_MINUTES = 60


def late_release_share() -> float:
    """The share of the tier's time under which releasing a ticket counts as late."""
    return float(getattr(settings, "TIERDESK_LATE_RELEASE_SHARE", DEFAULT_LATE_RELEASE_SHARE))


def late_receipt_window() -> timedelta:
    """How close to the deadline an owner may receive a ticket before it stops being theirs to lose."""
    return timedelta(
        minutes=getattr(settings, "TIERDESK_LATE_RECEIPT_MINUTES", DEFAULT_LATE_RECEIPT_MINUTES)
    )


def is_late_release(handoff, *, share: float | None = None) -> bool:
    """Whether ``handoff`` (a Handoff, or anything with its attributes) is a late release."""
    share = late_release_share() if share is None else share
    return (
        handoff.kind == HandoffKind.RELEASED
        and handoff.actor_id is not None
        and handoff.actor_id == handoff.from_owner_id
        and handoff.due_at is not None
        and handoff.tier_time is not None
        and handoff.due_at - handoff.at <= handoff.tier_time * share
    )


def late_release_condition(*, share: float | None = None) -> Q:
    """``is_late_release`` as a filter over Handoff: ``Handoff.objects.filter(late_release_condition())``.

    Rows with an empty ``due_at`` or ``tier_time`` never match, in line with the Python
    function. The comparison is NULL for them, so they match its negation (``~``) neither:
    to flag every release, annotate ``Case(When(late_release_condition(), then=True),
    default=False)`` instead of negating.
    """
    share = late_release_share() if share is None else share
    left = ExpressionWrapper(F("due_at") - F("at"), output_field=DurationField())
    allowance = ExpressionWrapper(F("tier_time") * Value(share), output_field=DurationField())
    return Q(kind=HandoffKind.RELEASED, actor_id=F("from_owner_id")) & Q(LessThanOrEqual(left, allowance))


def is_late_receipt(owned_since: datetime | None, due_at: datetime) -> bool:
    """Whether an owner received the ticket less than the late-receipt window before its deadline."""
    return owned_since is not None and due_at - owned_since < late_receipt_window()


def charge_time_out(*, owner_id, owned_since, due_at, last_release) -> int | None:
    """Return the id of the person a time-out is charged to, or None for an unowned time-out.

    ``last_release`` is the ticket's latest ``released`` entry since it entered its current
    tier (None when there was none); ``owner_id``/``owned_since``/``due_at`` are the
    ticket's at the moment it timed out.
    """
    if owner_id is not None:
        if (
            last_release is not None
            and is_late_receipt(owned_since, due_at)
            and is_late_release(last_release)
        ):
            return last_release.actor_id
        return owner_id
    return last_release.actor_id if last_release is not None else None
