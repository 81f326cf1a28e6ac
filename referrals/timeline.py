"""A referral's moments in its ticket's story: asked, gone overdue, answered."""

from datetime import datetime

from django.utils.translation import gettext as _

from core.display import hours, person
from referrals.models import Referral
from tickets.timeline import Entry

SOURCE = "referrals"
REFERRAL_ASKED = "referral_asked"
REFERRAL_ANSWERED = "referral_answered"
REFERRAL_OVERDUE = "referral_overdue"


def describe_referral(r: Referral, now: datetime) -> list[Entry]:
    """The moments of one referral: asked, gone overdue (if it did), answered.

    "Overdue" is told from the referral's own deadline, not from when the periodic task
    flagged it, so the page says the truth even before the next run of that task; an
    answer that came late still leaves the overdue moment in the story.
    """
    department = r.department.name
    entries = [
        Entry(
            at=r.asked_at,
            kind=REFERRAL_ASKED,
            source=SOURCE,
            text=_("Asked %(department)s") % {"department": department},
            detail=r.question,
            order=1,
        )
    ]
    answered_late = r.answered_at is not None and r.answered_at > r.due_at
    if answered_late or (r.answered_at is None and r.due_at <= now):
        within = hours(r.due_at - r.asked_at)
        entries.append(
            Entry(
                at=r.due_at,
                kind=REFERRAL_OVERDUE,
                source=SOURCE,
                text=_("Overdue: %(department)s has not answered within %(h)s h")
                % {"department": department, "h": within},
                order=1,
            )
        )
    if r.answered_at is not None:
        entries.append(
            Entry(
                at=r.answered_at,
                kind=REFERRAL_ANSWERED,
                source=SOURCE,
                text=_("%(department)s (%(who)s) answered")
                % {"department": department, "who": person(r.answered_by)},
                detail=r.answer,
                order=1,
            )
        )
    return entries
