"""A ticket's story in words: handoffs, notes and referrals merged into one timeline, oldest first.

All the wording of the ledger lives here, so the ticket page, emails and exports that want
to say "what happened" say it the same way.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.models import Handoff, HandoffKind, Note, Referral


def person(user) -> str:
    """The name we show for a user: the full name when there is one, else the username."""
    if user is None:
        return _("nobody")
    return user.get_full_name() or user.username


def hours(duration: timedelta | None) -> str:
    if duration is None:
        return "?"
    value = duration.total_seconds() / 3600
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str  # a HandoffKind value, "note", or one of REFERRAL_KINDS
    text: str
    detail: str = ""
    internal: bool = False
    order: int = 0

    @property
    def is_note(self) -> bool:
        return self.kind == "note"

    @property
    def is_referral(self) -> bool:
        return self.kind in REFERRAL_KINDS


REFERRAL_ASKED = "referral_asked"
REFERRAL_ANSWERED = "referral_answered"
REFERRAL_OVERDUE = "referral_overdue"
REFERRAL_KINDS = (REFERRAL_ASKED, REFERRAL_ANSWERED, REFERRAL_OVERDUE)


def describe_handoff(h: Handoff) -> tuple[str, str]:
    """Return (sentence, detail) for one handoff. The detail is the note or reason, if any."""
    actor = person(h.actor)
    from_tier = h.from_tier.name if h.from_tier else ""
    to_tier = h.to_tier.name
    note = h.note
    if h.kind == HandoffKind.OPENED:
        return _("Opened by %(actor)s at %(tier)s") % {"actor": actor, "tier": to_tier}, ""
    if h.kind == HandoffKind.CLAIMED:
        return _("Claimed by %(actor)s") % {"actor": actor}, ""
    if h.kind == HandoffKind.RELEASED:
        return (
            _("Released by %(actor)s back to the %(tier)s queue")
            % {"actor": actor, "tier": to_tier},
            note,
        )
    if h.kind == HandoffKind.ASSIGNED:
        return _("Assigned to %(owner)s by %(actor)s") % {
            "owner": person(h.to_owner),
            "actor": actor,
        }, note
    if h.kind == HandoffKind.PASSED:
        return (
            _("Passed up from %(from)s to %(to)s by %(actor)s")
            % {"from": from_tier, "to": to_tier, "actor": actor},
            note,
        )
    if h.kind == HandoffKind.ESCALATED:
        within = hours(h.from_tier.resolve_within) if h.from_tier else "?"
        if h.from_owner_id:
            text = _("Escalated from %(from)s to %(to)s after %(h)s h; held by %(owner)s") % {
                "from": from_tier,
                "to": to_tier,
                "h": within,
                "owner": person(h.from_owner),
            }
        else:
            text = _("Escalated from %(from)s to %(to)s after %(h)s h; nobody had claimed it") % {
                "from": from_tier,
                "to": to_tier,
                "h": within,
            }
        return text, ""
    if h.kind == HandoffKind.BREACHED:
        if h.from_owner_id:
            return _("Breached at %(tier)s; held by %(owner)s") % {
                "tier": to_tier,
                "owner": person(h.from_owner),
            }, ""
        return _("Breached at %(tier)s") % {"tier": to_tier}, ""
    if h.kind == HandoffKind.TRANSFERRED:
        return (
            _("Transferred from %(from)s to %(to)s by %(actor)s")
            % {
                "from": h.from_department.name if h.from_department else "?",
                "to": h.to_department.name,
                "actor": actor,
            },
            note,
        )
    if h.kind == HandoffKind.RESOLVED:
        return _("Resolved by %(actor)s") % {"actor": actor}, note
    return h.get_kind_display(), note


def describe_note(n: Note) -> str:
    if n.internal:
        return _("Internal note by %(author)s") % {"author": person(n.author)}
    return _("Note for the customer by %(author)s") % {"author": person(n.author)}


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
                text=_("%(department)s (%(who)s) answered")
                % {"department": department, "who": person(r.answered_by)},
                detail=r.answer,
                order=1,
            )
        )
    return entries


def timeline(handoffs, notes, referrals=(), *, now: datetime | None = None) -> list[Entry]:
    """Merge handoffs, notes and referral events, newest last.

    Handoffs keep the order they are given in (the ticket page passes the ledger's write
    order, which stays causal even when a tool moved the clock); notes and referral events
    are slotted in by time. One written at the same instant as a handoff comes after it.
    """
    now = now or timezone.now()
    moves = [
        Entry(at=h.at, kind=h.kind, text=t, detail=d)
        for h in handoffs
        for t, d in [describe_handoff(h)]
    ]
    said = [
        Entry(
            at=n.created_at,
            kind="note",
            text=describe_note(n),
            detail=n.body,
            internal=n.internal,
            order=1,
        )
        for n in sorted(notes, key=lambda n: (n.created_at, n.pk))
    ]
    asked = [entry for r in referrals for entry in describe_referral(r, now)]
    # A stable sort: notes keep their order among themselves at equal instants.
    said = sorted(said + asked, key=lambda e: e.at)
    merged, i, j = [], 0, 0
    while i < len(moves) or j < len(said):
        if j == len(said) or (i < len(moves) and moves[i].at <= said[j].at):
            merged.append(moves[i])
            i += 1
        else:
            merged.append(said[j])
            j += 1
    return merged
