"""The ticket page's timeline a stretch at a time: the latest entries, earlier ones by link.

A ticket claimed and released all day long gathers hundreds of ledger entries; rendering
them all made its page the slowest of the desk. The page shows the ``TIERDESK_PAGE_SIZE``
latest handoffs with the notes and referral moments written among them, and a link to the
stretch before. A stretch is named by a cursor (``tickets.bounded``) for the oldest handoff
of the stretch after it: the earlier stretch holds the handoffs before that one by ledger
order (ids), and the notes and other entries written before its instant. A note written at
the same instant as the first handoff of a stretch belongs to that stretch, so none is
shown twice or lost between two. Each stretch costs the same queries, however long the
trail.
"""

from dataclasses import dataclass

from tickets.bounded import decode_cursor, encode_cursor, page_size
from tickets.queries import handoffs_of, notes_of, with_names
from tickets.timeline import Entry, timeline


@dataclass
class TimelineWindow:
    entries: list[Entry]
    earlier_cursor: str | None  # the stretch before this one; None: this one starts the story
    is_latest: bool


def timeline_window(ticket, cursor: str | None, others: list[Entry]) -> TimelineWindow:
    """The stretch of ``ticket``'s story before ``cursor`` (None: the latest stretch).

    ``others`` are the entries the apps above tickets add (``tickets.page``); raises
    ``InvalidCursor`` for a cursor this module did not give out.
    """
    size = page_size()
    moves = handoffs_of(ticket).order_by("-id")
    notes = notes_of(ticket)
    upper = None
    if cursor is not None:
        upper, before_id = decode_cursor(cursor)
        moves = moves.filter(id__lt=before_id)
        notes = notes.filter(created_at__lt=upper)
    newest_first = list(moves[: size + 1])
    earlier = len(newest_first) > size
    shown = with_names(newest_first[:size][::-1])  # the ledger's write order, as timeline() wants
    lower = shown[0].at if earlier and shown else None
    if lower is not None:
        notes = notes.filter(created_at__gte=lower)
    in_stretch = [
        e for e in others
        if (lower is None or e.at >= lower) and (upper is None or e.at < upper)
    ]
    return TimelineWindow(
        entries=timeline(shown, notes, in_stretch),
        earlier_cursor=encode_cursor(shown[0].at, shown[0].pk) if earlier else None,
        is_latest=cursor is None,
    )
