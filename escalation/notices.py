"""Telling a tier's leads, at the start of the next shift, of a time-out that ran out off shift.

The sweep stores ``Handoff.off_shift`` with every escalation or breach charged to someone
(``tickets.shifts``). A ticket that ran out while the person it is charged to was off duty
is the tier lead's to look at when that person's next shift starts: one ``OffShiftNotice``
per such entry (unique), created by the beat task for the entries of the last
``LOOK_BACK`` and sent once its ``notify_at`` has come, under a row lock taken with SKIP
LOCKED, so two runs never send the same notice twice.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from departments.calendars import next_working_start
from departments.mail import queue_staff_email
from departments.queries import lead_emails
from escalation.models import OffShiftNotice
from tickets.models import Handoff, HandoffKind
from tickets.notifications import ticket_url
from tickets.shifts import department_calendars, personal_shifts

# How far back the task looks for off-shift time-outs without a notice: a beat down for
# longer than this loses those notices (the report still counts them).
LOOK_BACK = timedelta(days=7)


@dataclass
class NoticeResult:
    created: int = 0
    sent: int = 0

    def __str__(self) -> str:
        return f"created {self.created}, sent {self.sent}"


def do_tell_leads_of_off_shift_time_outs(*, now: datetime | None = None, batch_size: int = 200) -> NoticeResult:
    """Create the missing notices, then email the leads of every notice whose shift has started."""
    now = now or timezone.now()
    result = NoticeResult(created=_create_notices(now))
    while True:
        with transaction.atomic():
            notices = list(
                OffShiftNotice.objects.filter(sent_at__isnull=True, notify_at__lte=now)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("handoff__ticket", "handoff__charged_to", "handoff__from_tier")
                .order_by("notify_at", "id")[:batch_size]
            )
            for notice in notices:
                _send(notice, now)
            result.sent += len(notices)
        if len(notices) < batch_size:
            return result


def _create_notices(now: datetime) -> int:
    """One notice for each recent off-shift time-out that has none, due at the next shift."""
    handoffs = list(
        Handoff.objects.filter(off_shift=True, at__gte=now - LOOK_BACK, at__lte=now)
        .exclude(pk__in=OffShiftNotice.objects.values("handoff_id"))
        .only("id", "due_at", "at", "charged_to_id", "from_department_id")
    )
    if not handoffs:
        return 0
    departments = department_calendars({h.from_department_id for h in handoffs if h.from_department_id})
    personal = personal_shifts(
        {(h.charged_to_id, h.from_department_id) for h in handoffs if h.charged_to_id and h.from_department_id}
    )
    notices = []
    for h in handoffs:
        shifts = personal.get((h.charged_to_id, h.from_department_id))
        if shifts is None and h.from_department_id in departments:
            shifts = departments[h.from_department_id][0]
        ran_out = h.due_at or h.at
        notices.append(OffShiftNotice(handoff=h, notify_at=next_working_start(ran_out, shifts)))
    # A concurrent run may have created some of them: the unique handoff keeps one each.
    created = OffShiftNotice.objects.bulk_create(notices, ignore_conflicts=True)
    return len(created)


def _send(notice: OffShiftNotice, now: datetime) -> None:
    handoff = notice.handoff
    queue_staff_email(
        "off_shift_time_out",
        lead_emails(handoff.from_tier_id),
        {
            "ticket": handoff.ticket,
            "person": handoff.charged_to,
            "tier": handoff.from_tier,
            "ran_out_at": handoff.due_at or handoff.at,
            "breached": handoff.kind == HandoffKind.BREACHED,
            "url": ticket_url(handoff.ticket_id),
        },
    )
    notice.sent_at = now
    notice.save(update_fields=["sent_at"])
