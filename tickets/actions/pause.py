"""Waiting on the customer: the owner stops the tier's clock, and it restarts with exactly
the working time that was left.

Three ledger entries, each an append-only handoff that changes neither owner nor tier:
``paused`` (the owner, with what was asked of the customer), ``resumed`` (by the owner or a
manager, or by the customer's answer written as a note) and ``pause_expired`` (the clock,
when the customer has not answered within ``TIERDESK_PAUSE_LIMIT_WORKING_DAYS`` working
days of the department). While paused the sweep leaves the ticket alone
(``escalation.sweep.overdue_tickets``) and nothing moves it but the end of the pause.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.errors import Conflict
from departments.calendars import WorkingHours, working_time_between
from departments.deadlines import due_at as deadline
from departments.mail import queue_staff_email
from departments.queries import lead_emails, working_hours_of
from tickets import shifts
from tickets.actions.common import _save_and_record, _state, clean_text, lock_for_move, lock_ticket
from tickets.errors import TicketAlreadyDue, TicketNotPaused
from tickets.models import HandoffKind, Status, Ticket
from tickets.notifications import ticket_url

# The columns a pause sets and its end clears, with the restarted deadline.
PAUSE_FIELDS = ["due_at", "paused_at", "pause_reason", "pause_time_left", "pause_expires_at"]
# Longer than this without a single working day, a calendar is taken to have none.
_SEARCH_DAYS = 800


def pause_limit(paused_at: datetime, working_days: int, hours: WorkingHours | None) -> datetime:
    """When a pause that started at ``paused_at`` ends by itself: ``working_days`` later.

    24/7 (``hours`` None): that many times 24 hours. With a calendar: the same wall-clock
    time on the department's ``working_days``-th working day after the pause's day (a day
    with working intervals that is not a holiday), so a pause on Friday afternoon in a
    Monday-to-Friday department ends on the next Friday afternoon. A calendar without any
    working day counts as 24/7.
    """
    if hours is None or not hours.has_hours:
        return paused_at.astimezone(UTC) + timedelta(days=working_days)
    local = paused_at.astimezone(hours.zone)
    day: date = local.date()
    counted = 0
    for _step in range(_SEARCH_DAYS):
        if counted >= working_days:
            break
        day += timedelta(days=1)
        if hours.week[day.weekday()] and not hours.is_holiday(day):
            counted += 1
    else:
        return paused_at.astimezone(UTC) + timedelta(days=working_days)
    wall = datetime.combine(day, local.time(), tzinfo=hours.zone).replace(fold=local.fold)
    return wall.astimezone(UTC)


def do_pause_ticket(ticket: Ticket | int, *, by: User, reason: str, now: datetime | None = None) -> Ticket:
    """Stop the tier's clock while the owner waits on the customer for ``reason``.

    Keeps the working time left (``departments.calendars.working_time_between`` now and the
    deadline) for the resumption. Raises TicketPaused (already waiting), Conflict (nobody
    owns it) or TicketAlreadyDue (its time has run out: the sweep's to move, not ours).
    """
    now = now or timezone.now()
    reason = clean_text(reason, "reason", required=True)
    with transaction.atomic():
        ticket = lock_for_move(ticket, "pause", by)
        if ticket.owner_id is None:
            raise Conflict(_("Nobody owns this ticket: claim it before waiting on the customer."))
        hours = working_hours_of(ticket.department_id)
        left = working_time_between(now, ticket.due_at, hours)
        if left <= timedelta(0):
            raise TicketAlreadyDue()
        before = _state(ticket)
        ticket.paused_at = now
        ticket.pause_reason = reason
        ticket.pause_time_left = left
        ticket.pause_expires_at = pause_limit(now, settings.TIERDESK_PAUSE_LIMIT_WORKING_DAYS, hours)
        _save_and_record(
            ticket, PAUSE_FIELDS, HandoffKind.PAUSED, by, now, before=before, note=reason,
            facts={"time_left": left},
        )
    return ticket


def do_resume_ticket(ticket: Ticket | int, *, by: User, note: str = "", now: datetime | None = None) -> Ticket:
    """Restart the clock of a ticket waiting on the customer: the owner's or a manager's move.

    Raises TicketNotPaused when it is not waiting (a colleague resumed it first).
    """
    now = now or timezone.now()
    note = clean_text(note, "note", required=False)
    with transaction.atomic():
        ticket = lock_for_move(ticket, "resume", by)
        if ticket.paused_at is None:
            raise TicketNotPaused()
        _end_pause(ticket, HandoffKind.RESUMED, by, now, note=note, ended_at=now)
    return ticket


def resume_on_answer(ticket: Ticket, *, by: User, now: datetime) -> None:
    """The customer answered (a note marked so, written by ``by``): restart the clock.

    Called by ``do_add_note`` inside its transaction, on the ticket it locked and found paused.
    """
    _end_pause(ticket, HandoffKind.RESUMED, by, now, note=_("The customer answered."), ended_at=now)


def _end_pause(ticket: Ticket, kind: str, actor: User | None, at: datetime, *, note: str, ended_at: datetime) -> None:
    """Give a locked, paused ticket its clock back: the working time left, counted from
    ``ended_at``, to the second. Its tier entry (``tier_entered_at``) does not change."""
    paused_at, left = ticket.paused_at, ticket.pause_time_left
    assert paused_at is not None and left is not None  # set together by do_pause_ticket
    before = _state(ticket)
    hours = working_hours_of(ticket.department_id)
    ticket.due_at = deadline(ended_at, left, hours)
    ticket.paused_at = None
    ticket.pause_reason = ""
    ticket.pause_time_left = None
    ticket.pause_expires_at = None
    _save_and_record(
        ticket, PAUSE_FIELDS, kind, actor, at, before=before, note=note,
        facts={"paused_for": ended_at - paused_at, "working_hours": shifts.rule_of(hours)},
    )


# --- the limit: the clock's periodic work --------------------------------------------------


@dataclass
class ExpiryResult:
    expired: int = 0
    ticket_ids: list[int] = field(default_factory=list, repr=False)

    def __str__(self) -> str:
        return f"expired {self.expired}"


def pauses_past_limit(now: datetime) -> QuerySet[Ticket]:
    """Open tickets waiting on the customer whose limit has passed at ``now``
    (index ``ticket_pause_expiry_idx``)."""
    return Ticket.objects.filter(status=Status.OPEN, paused_at__isnull=False, pause_expires_at__lte=now)


def do_expire_pauses(*, now: datetime | None = None, batch_size: int = 200) -> ExpiryResult:
    """End every pause past its limit, once: write ``pause_expired``, restart the clock from
    the limit and tell the tier's leads.

    Same rules as the sweep: batches locked with SKIP LOCKED, each its own transaction, so
    concurrent runs take different rows; each row is read again under its lock and left
    alone if a person resumed it meanwhile.
    """
    now = now or timezone.now()
    result = ExpiryResult()
    while True:
        with transaction.atomic():
            ids = list(
                pauses_past_limit(now)
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("pause_expires_at", "id")
                .values_list("id", flat=True)[:batch_size]
            )
            for ticket_id in ids:
                if _try_expire_pause(ticket_id, now):
                    result.expired += 1
                    result.ticket_ids.append(ticket_id)
        if len(ids) < batch_size:
            break
    return result


def _try_expire_pause(ticket_id: int, now: datetime) -> bool:
    """End one locked ticket's pause if it is still past its limit; return whether it did."""
    ticket = lock_ticket(ticket_id)
    limit = ticket.pause_expires_at
    if ticket.status != Status.OPEN or ticket.paused_at is None or limit is None or limit > now:
        return False
    days = settings.TIERDESK_PAUSE_LIMIT_WORKING_DAYS
    owner, reason, paused_at = ticket.owner, ticket.pause_reason, ticket.paused_at
    note = ngettext(
        "The customer did not answer within %(days)d working day.",
        "The customer did not answer within %(days)d working days.",
        days,
    ) % {"days": days}
    _end_pause(ticket, HandoffKind.PAUSE_EXPIRED, None, now, note=note, ended_at=limit)
    queue_staff_email(
        "pause_expired",
        lead_emails(ticket.tier_id),
        {
            "ticket": ticket, "owner": owner, "reason": reason, "paused_at": paused_at,
            "days": days, "url": ticket_url(ticket.pk),
        },
    )
    return True
