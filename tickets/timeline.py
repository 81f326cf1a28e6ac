"""A ticket's story in words: handoffs, notes and referrals merged into one timeline, oldest first.

All the wording of the ledger lives here, so the ticket page, emails and exports that want
to say "what happened" say it the same way. Every sentence is told from what the entry
stored at the time (its tier's time, the deadline, how long the owner had held it, whom a
time-out was charged to), never from today's configuration: changing a tier's time does
not rewrite history. Entries written before those facts were stored say less, not more.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.translation import gettext as _

from core.display import hours, person, span, when
from tickets.models import Handoff, HandoffKind, Note
from tickets.responsibility import is_late_release


def moment(instant: datetime) -> str:
    """A date and time on the organisation's clock, as the display policy says (``core.display.when``)."""
    return when(instant)


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str  # a HandoffKind value, "note", or another app's (a referral's "referral_asked")
    text: str
    detail: str = ""
    internal: bool = False
    order: int = 0
    # Which app's story it is ("" for the ticket's own): the page marks other apps' entries.
    source: str = ""

    @property
    def is_note(self) -> bool:
        return self.kind == "note"

    @property
    def is_referral(self) -> bool:
        return self.source == "referrals"


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
        return _describe_release(h, actor, to_tier), note
    if h.kind == HandoffKind.ASSIGNED:
        return _("Assigned to %(owner)s by %(actor)s") % {
            "owner": person(h.to_owner),
            "actor": actor,
        }, note
    if h.kind == HandoffKind.PASSED:
        return _describe_pass(h, actor, from_tier, to_tier), note
    if h.kind in (HandoffKind.ESCALATED, HandoffKind.BREACHED):
        return _describe_time_out(h, from_tier, to_tier)
    if h.kind == HandoffKind.TRANSFERRED:
        return _describe_transfer(h, actor), note
    if h.kind == HandoffKind.RESOLVED:
        return _("Resolved by %(actor)s") % {"actor": actor}, note
    if h.kind in (HandoffKind.PAUSED, HandoffKind.RESUMED, HandoffKind.PAUSE_EXPIRED):
        return _describe_pause(h, actor), note
    return h.get_kind_display(), note


def _describe_pause(h: Handoff, actor: str) -> str:
    """Waiting on the customer: when the clock stopped with how much left, and how it restarted."""
    if h.kind == HandoffKind.PAUSED:
        if h.time_left is None:
            return _("%(actor)s is waiting on the customer: the clock stopped") % {"actor": actor}
        return _("%(actor)s is waiting on the customer: the clock stopped with %(left)s left") % {
            "actor": actor, "left": span(h.time_left)
        }
    words = {"actor": actor, "waited": span(h.paused_for) if h.paused_for is not None else ""}
    if h.kind == HandoffKind.PAUSE_EXPIRED:
        return _(
            "The customer had not answered after %(waited)s: the pause limit passed and the clock runs again"
        ) % words
    return _("Resumed by %(actor)s after waiting %(waited)s on the customer: the clock runs again") % words


def _has_clock_facts(h: Handoff) -> bool:
    """Whether the entry stored its clock (entries written before tickets/0005 did not)."""
    return h.tier_time is not None and h.due_at is not None


def _held_by_passer(h: Handoff) -> bool:
    return h.held_for is not None and h.from_owner_id is not None


def _describe_release(h: Handoff, actor: str, tier: str) -> str:
    words = {"actor": actor, "tier": tier}
    if not is_late_release(h):
        return _("Released by %(actor)s back to the %(tier)s queue") % words
    left = h.due_at - h.at
    words["h"] = hours(h.tier_time)
    if left > timedelta(0):
        words["left"] = span(left)
        return _("Released by %(actor)s back to the %(tier)s queue with %(left)s of %(h)s h left") % words
    return _("Released by %(actor)s back to the %(tier)s queue after its %(h)s h had run out") % words


def _describe_pass(h: Handoff, actor: str, from_tier: str, to_tier: str) -> str:
    words = {"from": from_tier, "to": to_tier, "actor": actor}
    if not _held_by_passer(h):
        return _("Passed up from %(from)s to %(to)s by %(actor)s") % words
    words["held"] = span(h.held_for)
    if h.actor_id == h.from_owner_id:
        return _("Passed up from %(from)s to %(to)s by %(actor)s after holding it %(held)s") % words
    words["owner"] = person(h.from_owner)
    return _("Passed up from %(from)s to %(to)s by %(actor)s; %(owner)s had held it %(held)s") % words


def _describe_transfer(h: Handoff, actor: str) -> str:
    words = {
        "from": h.from_department.name if h.from_department else "?",
        "to": h.to_department.name,
        "actor": actor,
    }
    if not _held_by_passer(h):
        return _("Transferred from %(from)s to %(to)s by %(actor)s") % words
    words["held"] = span(h.held_for)
    if h.actor_id == h.from_owner_id:
        return _("Transferred from %(from)s to %(to)s by %(actor)s after holding it %(held)s") % words
    words["owner"] = person(h.from_owner)
    return _("Transferred from %(from)s to %(to)s by %(actor)s; %(owner)s had held it %(held)s") % words


def _describe_time_out(h: Handoff, from_tier: str, to_tier: str) -> tuple[str, str]:
    """An escalation or a breach: the clock that ran out, who held the ticket, who is charged."""
    breach = h.kind == HandoffKind.BREACHED
    if not _has_clock_facts(h):
        # Written before the entries kept their clock: the sweep's own note still says,
        # in its words of the day, which time ran out. Nothing is worked out from the tier.
        holder = {"from": from_tier, "to": to_tier, "tier": to_tier, "owner": person(h.from_owner)}
        if breach:
            text = (
                _("Breached at %(tier)s; held by %(owner)s") if h.from_owner_id else _("Breached at %(tier)s")
            ) % holder
        elif h.from_owner_id:
            text = _("Escalated from %(from)s to %(to)s by the clock; held by %(owner)s") % holder
        else:
            text = _("Escalated from %(from)s to %(to)s by the clock; nobody had claimed it") % holder
        return text, h.note
    words = {
        "from": from_tier,
        "to": to_tier,
        "tier": to_tier,
        "h": hours(h.tier_time),
        "due": moment(h.due_at),
        "late": span(h.sweep_lateness) if h.sweep_lateness is not None else "",
    }
    if breach and h.sweep_lateness is not None:
        clock = _(
            "Breached at %(tier)s, the top tier: not resolved within %(h)s h (due %(due)s);"
            " the clock marked it %(late)s later."
        )
    elif breach:
        clock = _("Breached at %(tier)s, the top tier: not resolved within %(h)s h (due %(due)s).")
    elif h.sweep_lateness is not None:
        clock = _(
            "Escalated from %(from)s to %(to)s: not resolved within %(h)s h (due %(due)s);"
            " the clock moved it %(late)s later."
        )
    else:
        clock = _("Escalated from %(from)s to %(to)s: not resolved within %(h)s h (due %(due)s).")
    return f"{clock % words} {_describe_charge(h)}", ""


def _describe_charge(h: Handoff) -> str:
    """Who held the ticket when its time ran out, and whom the time-out is charged to."""
    words = {"owner": person(h.from_owner), "charged": person(h.charged_to)}
    if h.from_owner_id is None:
        if h.charged_to_id is None:
            return _("Nobody had claimed it: an unowned time-out.")
        return _("Nobody had claimed it; charged to %(charged)s, who released it.") % words
    charged_elsewhere = h.charged_to_id is not None and h.charged_to_id != h.from_owner_id
    if h.held_for is not None:
        words["held"] = span(h.held_for)
        if charged_elsewhere:
            return _("Held by %(owner)s for %(held)s; time-out charged to %(charged)s.") % words
        return _("Held by %(owner)s for %(held)s.") % words
    if charged_elsewhere:
        return _("Held by %(owner)s; time-out charged to %(charged)s.") % words
    return _("Held by %(owner)s.") % words


def describe_note(n: Note) -> str:
    if n.internal:
        return _("Internal note by %(author)s") % {"author": person(n.author)}
    return _("Note for the customer by %(author)s") % {"author": person(n.author)}


def timeline(handoffs, notes, others=()) -> list[Entry]:
    """Merge handoffs, notes and other apps' entries (a referral's moments), newest last.

    Handoffs keep the order they are given in (the ticket page passes the ledger's write
    order, which stays causal even when a tool moved the clock); notes and the other
    entries are slotted in by time. One written at the same instant as a handoff comes
    after it.
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
    # A stable sort: notes keep their order among themselves at equal instants.
    said = sorted(said + list(others), key=lambda e: e.at)
    merged, i, j = [], 0, 0
    while i < len(moves) or j < len(said):
        if j == len(said) or (i < len(moves) and moves[i].at <= said[j].at):
            merged.append(moves[i])
            i += 1
        else:
            merged.append(said[j])
            j += 1
    return merged
