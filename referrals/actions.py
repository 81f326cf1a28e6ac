"""Every change to a referral: asking another department, claiming the question, answering it.

A referral never moves its ticket: owner, tier and clock stay as they are. The rules mirror
``tickets.actions``: lock, check, change, then notify after commit through the outbox.
"""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, InvalidInput, NotAllowed
from departments.models import Department, Membership
from departments.queries import department_ids_of
from departments.roles import is_manager
from outbox.actions import queue_email, queue_emails
from referrals.models import Referral
from tickets.actions import clean_text, lock_ticket, require_open
from tickets.errors import AlreadyClaimed, TicketResolved
from tickets.models import Status, Ticket
from tickets.notifications import ticket_url


def _lock_referral(referral: Referral | int) -> Referral:
    """Lock, then read with joins (see ``tickets.actions.lock_ticket`` for why in two steps)."""
    referral_id = referral.pk if isinstance(referral, Referral) else referral
    Referral.objects.select_for_update().filter(pk=referral_id).values_list("pk", flat=True).get()
    return Referral.objects.select_related("ticket", "department", "claimed_by", "asked_by").get(pk=referral_id)


def _require_member(referral: Referral, actor) -> None:
    if not (referral.department_id in department_ids_of(actor) or is_manager(actor)):
        raise NotAllowed(_("Only members of %(d)s can answer its referrals.") % {"d": referral.department.name})


def _require_unanswered(referral: Referral) -> None:
    if referral.answered_at is not None:
        raise Conflict(_("This referral has been answered; answers are final."))
    if referral.ticket.status != Status.OPEN:
        raise TicketResolved()


def do_refer_ticket(
    ticket: Ticket | int, actor, *, department: Department, question: str, now: datetime | None = None
) -> Referral:
    """Ask another department a question about a ticket the actor owns."""
    now = now or timezone.now()
    question = clean_text(question, "question", required=True)
    with transaction.atomic():
        ticket = lock_ticket(ticket)
        require_open(ticket)
        if not (ticket.owner_id == actor.pk or is_manager(actor)):
            raise NotAllowed(_("Only the ticket's owner can ask another department about it."))
        if department is None:
            raise InvalidInput(_("Choose a department."), field="department")
        if department.pk == ticket.department_id:
            raise InvalidInput(
                _("The ticket is in %(d)s already: ask a colleague or pass it up.") % {"d": department.name},
                field="department",
            )
        referral = Referral.objects.create(
            ticket=ticket, department=department, question=question, asked_by=actor, asked_at=now,
            due_at=now + department.referral_response_within,
        )
        leads = Membership.objects.filter(department=department, is_lead=True, user__is_active=True)
        queue_email(
            "referral_asked",
            leads.exclude(user__email="").values_list("user__email", flat=True),
            _("Question from %(d)s about %(ref)s") % {"d": ticket.department.name, "ref": ticket.reference},
            _("%(who)s asks %(dept)s:\n\n%(q)s\n\nPlease answer by %(due)s.\n%(url)s")
            % {
                "who": actor.get_full_name() or actor.username, "dept": department.name, "q": question,
                "due": referral.due_at.astimezone(ZoneInfo(settings.TIERDESK_TIME_ZONE)).strftime("%Y-%m-%d %H:%M"), "url": ticket_url(ticket.pk),
            },
        )
    return referral


def do_claim_referral(referral: Referral | int, actor, *, now: datetime | None = None) -> Referral:
    """A member of the asked department takes the question."""
    now = now or timezone.now()
    with transaction.atomic():
        referral = _lock_referral(referral)
        _require_member(referral, actor)
        _require_unanswered(referral)
        if referral.claimed_by_id == actor.pk:
            raise Conflict(_("You have already taken this question."))
        if referral.claimed_by_id is not None:
            raise AlreadyClaimed(referral.claimed_by.get_full_name() or referral.claimed_by.username)
        referral.claimed_by = actor
        referral.claimed_at = now
        referral.save(update_fields=["claimed_by", "claimed_at"])
    return referral


def do_answer_referral(referral: Referral | int, actor, *, answer: str, now: datetime | None = None) -> Referral:
    """Answer the question; the answer is final and the ticket's owner is told."""
    now = now or timezone.now()
    answer = clean_text(answer, "answer", required=True)
    with transaction.atomic():
        referral = _lock_referral(referral)
        _require_member(referral, actor)
        _require_unanswered(referral)
        if referral.claimed_by_id not in (None, actor.pk) and not is_manager(actor):
            lead = Membership.objects.filter(
                user=actor, department_id=referral.department_id, is_lead=True
            ).exists()
            if not lead:
                raise AlreadyClaimed(referral.claimed_by.get_full_name() or referral.claimed_by.username)
        if referral.claimed_by_id is None:
            referral.claimed_by = actor
            referral.claimed_at = now
        referral.answer = answer
        referral.answered_by = actor
        referral.answered_at = now
        referral.save(update_fields=["claimed_by", "claimed_at", "answer", "answered_by", "answered_at"])
        ticket = referral.ticket
        recipient = ticket.owner.email if ticket.owner_id and ticket.owner.email else referral.asked_by.email
        queue_email(
            "referral_answered",
            [recipient],
            _("%(d)s answered your question on %(ref)s") % {"d": referral.department.name, "ref": ticket.reference},
            _("Your question:\n%(q)s\n\nAnswer from %(who)s:\n%(a)s\n\n%(url)s")
            % {
                "q": referral.question, "who": actor.get_full_name() or actor.username, "a": answer,
                "url": ticket_url(ticket.pk),
            },
        )
    return referral


@dataclass
class FlagResult:
    flagged: int = 0

    def __str__(self):
        return f"flagged {self.flagged} overdue referral(s)"


def do_flag_overdue_referrals(*, now: datetime | None = None, batch_size: int = 1000) -> FlagResult:
    """Mark every unanswered referral past its target as overdue, once, and tell the leads.

    Same rules as the escalation sweep: SKIP LOCKED batches, so concurrent runs flag each
    referral exactly once.
    """
    from outbox.models import OutboundEmail

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
            by_department: dict[int, list[tuple]] = {}
            for row in rows:
                by_department.setdefault(row[1], []).append(row)
            leads: dict[int, set[str]] = {}
            for department_id, email in (
                Membership.objects.filter(department_id__in=by_department, is_lead=True, user__is_active=True)
                .exclude(user__email="")
                .values_list("department_id", "user__email")
            ):
                leads.setdefault(department_id, set()).add(email)
            queue_emails([
                OutboundEmail(
                    kind="referral_overdue",
                    recipients=sorted(leads[department_id]),
                    subject=_("%(n)d question(s) to your department are overdue") % {"n": len(items)},
                    body="\n".join(f"{ticket_url(ticket_id)}  {question[:120]}" for _id, _d, ticket_id, question in items),
                )
                for department_id, items in by_department.items()
                if leads.get(department_id)
            ])
            result.flagged += len(rows)
        if len(rows) < batch_size:
            break
    return result
