"""Every change to a referral: asking another department, claiming the question, answering it.

A referral never moves its ticket: owner, tier and clock stay as they are. The steps mirror
``tickets.actions``: lock, check (who may is ``referrals.rules``), change, then notify after
commit through the outbox. People ask through ``referrals.checks``.
"""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Case, DateTimeField, F, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from core.display import person
from core.errors import Conflict, InvalidInput
from departments.deadlines import due_at as deadline
from departments.mail import languages_of_addresses, queue_staff_email, staff_emails
from departments.models import Department, Membership
from departments.queries import working_hours_by_department, working_hours_of
from outbox.actions import queue_emails
from referrals.models import Referral
from referrals.rules import may_answer_someone_elses, require_right
from tickets.actions import clean_text, lock_ticket, require_open
from tickets.errors import AlreadyClaimed, TicketResolved
from tickets.models import Status, Ticket
from tickets.notifications import ticket_url


def _lock_referral(referral: Referral | int) -> Referral:
    """Lock, then read with joins (see ``tickets.actions.lock_ticket`` for why in two steps)."""
    referral_id = referral.pk if isinstance(referral, Referral) else referral
    Referral.objects.select_for_update().filter(pk=referral_id).values_list("pk", flat=True).get()
    return Referral.objects.select_related("ticket", "department", "claimed_by", "asked_by").get(pk=referral_id)


def _require_unanswered(referral: Referral) -> None:
    if referral.answered_at is not None:
        raise Conflict(_("This referral has been answered; answers are final."))
    if referral.ticket.status != Status.OPEN:
        raise TicketResolved()


def _claimer_name(referral: Referral) -> str:
    """The name of whoever took a claimed question (read with it by ``_lock_referral``)."""
    claimed_by = referral.claimed_by
    assert claimed_by is not None  # only asked of a referral whose claimed_by_id is set
    return person(claimed_by)


def do_refer_ticket(
    ticket: Ticket | int, *, by: User, department: Department | None, question: str, now: datetime | None = None
) -> Referral:
    """Ask another department a question about a ticket: its owner (or a manager) asks."""
    now = now or timezone.now()
    question = clean_text(question, "question", required=True)
    with transaction.atomic():
        ticket = lock_ticket(ticket)
        require_open(ticket)
        require_right("refer", by, ticket)
        if department is None:
            raise InvalidInput(_("Choose a department."), field="department")
        if department.pk == ticket.department_id:
            raise InvalidInput(
                _("The ticket is in %(d)s already: ask a colleague or pass it up.") % {"d": department.name},
                field="department",
            )
        referral = Referral.objects.create(
            ticket=ticket, department=department, question=question, asked_by=by, asked_at=now,
            # The answering department's working time: asked at 21:17 of a department that
            # works 08:00-20:00, the clock starts at 08:00 the next working day.
            due_at=deadline(now, department.referral_response_within, working_hours_of(department.pk)),
        )
        leads = Membership.objects.filter(department=department, is_lead=True, user__is_active=True)
        queue_staff_email(
            "referral_asked",
            leads.exclude(user__email="").values_list("user__email", flat=True),
            {"referral": referral, "ticket": ticket, "actor": by, "url": ticket_url(ticket.pk)},
        )
    return referral


def do_claim_referral(referral: Referral | int, *, by: User, now: datetime | None = None) -> Referral:
    """A member of the asked department takes the question."""
    now = now or timezone.now()
    with transaction.atomic():
        referral = _lock_referral(referral)
        require_right("claim", by, referral)
        _require_unanswered(referral)
        if referral.claimed_by_id == by.pk:
            raise Conflict(_("You have already taken this question."))
        if referral.claimed_by_id is not None:
            raise AlreadyClaimed(_claimer_name(referral))
        referral.claimed_by = by
        referral.claimed_at = now
        referral.save(update_fields=["claimed_by", "claimed_at"])
    return referral


def do_answer_referral(referral: Referral | int, *, by: User, answer: str, now: datetime | None = None) -> Referral:
    """Answer the question; the answer is final and the ticket's owner is told."""
    now = now or timezone.now()
    answer = clean_text(answer, "answer", required=True)
    with transaction.atomic():
        referral = _lock_referral(referral)
        require_right("answer", by, referral)
        _require_unanswered(referral)
        if referral.claimed_by_id not in (None, by.pk) and not may_answer_someone_elses(by, referral):
            raise AlreadyClaimed(_claimer_name(referral))
        if referral.claimed_by_id is None:
            referral.claimed_by = by
            referral.claimed_at = now
        referral.answer = answer
        referral.answered_by = by
        referral.answered_at = now
        referral.save(update_fields=["claimed_by", "claimed_at", "answer", "answered_by", "answered_at"])
        ticket = referral.ticket
        owner = ticket.owner if ticket.owner_id else None
        recipient = owner.email if owner is not None and owner.email else referral.asked_by.email
        queue_staff_email(
            "referral_answered",
            [recipient],
            {"referral": referral, "ticket": ticket, "actor": by, "url": ticket_url(ticket.pk)},
        )
    return referral


@dataclass
class FlagResult:
    flagged: int = 0

    def __str__(self) -> str:
        return f"flagged {self.flagged} overdue referral(s)"


def do_flag_overdue_referrals(*, now: datetime | None = None, batch_size: int = 1000) -> FlagResult:
    """Mark every unanswered referral past its target as overdue, once, and tell the leads.

    Same rules as the escalation sweep: SKIP LOCKED batches, so concurrent runs flag each
    referral exactly once.
    """
    now = now or timezone.now()
    result = FlagResult()
    while True:
        with transaction.atomic():
            rows = list(
                Referral.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(answered_at__isnull=True, overdue_flagged_at__isnull=True, due_at__lte=now,
                        ticket__status=Status.OPEN)
                .order_by("due_at", "id")
                .values_list("id", "department_id", "ticket_id", "question")[:batch_size]
            )
            if not rows:
                break
            Referral.objects.filter(pk__in=[r[0] for r in rows]).update(overdue_flagged_at=now)
            by_department: dict[int, list[tuple[int, int, int, str]]] = {}
            for row in rows:
                by_department.setdefault(row[1], []).append(row)
            leads: dict[int, set[str]] = {}
            for department_id, email in (
                Membership.objects.filter(department_id__in=by_department, is_lead=True, user__is_active=True)
                .exclude(user__email="")
                .values_list("department_id", "user__email")
            ):
                leads.setdefault(department_id, set()).add(email)
            spoken = languages_of_addresses(email for emails in leads.values() for email in emails)
            queue_emails([
                email
                for department_id, items in by_department.items()
                if leads.get(department_id)
                for email in staff_emails(
                    "referral_overdue",
                    leads[department_id],
                    {"questions": [
                        {"url": ticket_url(ticket_id), "question": question}
                        for _id, _d, ticket_id, question in items
                    ]},
                    spoken=spoken,
                )
            ])
            result.flagged += len(rows)
        if len(rows) < batch_size:
            break
    return result


RECOMPUTE_BATCH_SIZE = 5000


def do_recompute_referral_due(
    *, department_ids: list[int], now: datetime, batch_size: int = RECOMPUTE_BATCH_SIZE
) -> int:
    """Set ``due_at`` of the open questions to those departments again, after their working hours changed.

    Due = ``deadline(asked_at, department.referral_response_within, its hours)``. Answered
    referrals and those already flagged overdue (the leads were told) keep theirs. 24/7
    departments are one UPDATE in SQL; departments with working hours are computed in Python,
    once per distinct instant asked, and written with one statement per batch.
    """
    within = dict(Department.objects.filter(pk__in=department_ids).values_list("pk", "referral_response_within"))
    if not within:
        return 0
    hours = working_hours_by_department(within)
    open_referrals = Referral.objects.filter(answered_at__isnull=True, overdue_flagged_at__isnull=True)
    written = 0
    plain = {pk: span for pk, span in within.items() if pk not in hours}
    if plain:
        written += open_referrals.filter(department_id__in=plain).update(
            due_at=Case(
                *(When(department_id=pk, then=F("asked_at") + Value(span)) for pk, span in plain.items()),
                output_field=DateTimeField(),
            )
        )
    counted = [pk for pk in within if pk in hours]
    memo: dict[tuple[int, datetime], datetime] = {}
    last_id = 0
    while counted:
        batch = list(
            open_referrals.filter(department_id__in=counted, pk__gt=last_id)
            .order_by("pk")
            .values_list("pk", "department_id", "asked_at")[:batch_size]
        )
        if not batch:
            break
        rows = []
        for pk, department_id, asked_at in batch:
            key = (department_id, asked_at)
            if key not in memo:
                memo[key] = deadline(asked_at, within[department_id], hours[department_id])
            rows.append((pk, memo[key]))
        written += _write_referral_dues(rows)
        last_id = batch[-1][0]
        if len(batch) < batch_size:
            break
    return written


def _write_referral_dues(rows: list[tuple[int, datetime]]) -> int:
    """One statement for the batch, each row only while it is still unanswered and unflagged."""
    if connection.vendor == "postgresql":
        values = ", ".join(["(%s::bigint, %s::timestamptz)"] * len(rows))
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Referral._meta.db_table} AS r SET due_at = v.due "
                f"FROM (VALUES {values}) AS v(id, due) "
                "WHERE r.id = v.id AND r.answered_at IS NULL AND r.overdue_flagged_at IS NULL",
                [value for row in rows for value in row],
            )
            written: int = cursor.rowcount
            return written
    return Referral.objects.filter(
        pk__in=[pk for pk, _due in rows], answered_at__isnull=True, overdue_flagged_at__isnull=True
    ).update(
        due_at=Case(
            *(When(pk=pk, then=Value(due)) for pk, due in rows),
            default=F("due_at"),
            output_field=DateTimeField(),
        )
    )


def recompute_referral_due_on_working_time_change(
    sender: object, *, now: datetime, department_ids: list[int] | None = None, **kwargs: object
) -> None:
    """Receiver of ``departments.signals.working_time_changed`` (connected in ``ReferralsConfig.ready``).

    A tier's time alone does not move a referral's deadline: only the department's hours do.
    """
    if department_ids:
        do_recompute_referral_due(department_ids=department_ids, now=now)
