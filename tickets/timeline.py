"""A ticket's story in words: handoffs and notes merged into one timeline, oldest first.

All the wording of the ledger lives here, so the ticket page, emails and exports that want
to say "what happened" say it the same way.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.translation import gettext as _

from tickets.models import Handoff, HandoffKind, Note


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
    kind: str  # a HandoffKind value, or "note"
    text: str
    detail: str = ""
    internal: bool = False
    order: int = 0

    @property
    def is_note(self) -> bool:
        return self.kind == "note"


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


def timeline(handoffs, notes) -> list[Entry]:
    """Merge handoffs and notes, newest last.

    Handoffs keep the order they are given in (the ticket page passes the ledger's write
    order, which stays causal even when a tool moved the clock); notes are slotted in by
    time. A note written at the same instant as a handoff comes after it.
    """
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
    merged, i, j = [], 0, 0
    while i < len(moves) or j < len(said):
        if j == len(said) or (i < len(moves) and moves[i].at <= said[j].at):
            merged.append(moves[i])
            i += 1
        else:
            merged.append(said[j])
            j += 1
    return merged
