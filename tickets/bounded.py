"""Bounded lists: the most urgent few of a ticket list, its total, and keyset pages of the rest.

No screen renders an unbounded queryset. A panel (``first_of``) is the first
``TIERDESK_PANEL_SIZE`` rows of an ordered list with a total counted on the same filter,
capped at ``COUNT_CAP`` so the count never walks a huge backlog. A full list page
(``page_after``) continues after a cursor: an opaque token for the (key, id) of the last
row shown, where the key is ``due_at`` (or ``paused_at`` for the tickets waiting on the
customer). Each costs the same two queries whichever page it is.
"""

import binascii
from base64 import urlsafe_b64decode, urlsafe_b64encode
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from core.errors import InvalidInput
from core.http import row_id
from tickets.models import Ticket

# Beyond this many, a total says "over 10,000": an exact count of a huge list costs a scan.
COUNT_CAP = 10_000


def panel_size() -> int:
    return max(1, int(settings.TIERDESK_PANEL_SIZE))


@dataclass
class Bounded:
    """Some rows of a list, how many the whole list holds (at most ``COUNT_CAP``, then
    ``capped``), and the cursor of the page after them (None on the last page)."""

    rows: list[Ticket]
    total: int
    capped: bool = False
    next_cursor: str | None = None

    @property
    def more(self) -> bool:
        return self.capped or self.total > len(self.rows)


def capped_count(tickets: QuerySet[Ticket]) -> tuple[int, bool]:
    """COUNT(*) over at most ``COUNT_CAP`` + 1 rows of ``tickets``: (count, whether capped)."""
    count = tickets.order_by()[: COUNT_CAP + 1].count()
    return (COUNT_CAP, True) if count > COUNT_CAP else (count, False)


def first_of(tickets: QuerySet[Ticket], size: int | None = None) -> Bounded:
    """The first ``size`` rows of ``tickets`` (already ordered) and the list's total.

    A list shorter than a panel is its own count: the COUNT query is only asked when the
    panel is full.
    """
    size = size or panel_size()
    rows = list(tickets[:size])
    if len(rows) < size:
        return Bounded(rows=rows, total=len(rows))
    total, capped = capped_count(tickets)
    return Bounded(rows=rows, total=total, capped=capped)


# --- cursors ------------------------------------------------------------------------------


class InvalidCursor(InvalidInput):
    code = "invalid_cursor"
    default_message = _("This page link is broken: open the list again from its first page.")

    def __init__(self) -> None:
        super().__init__(field="cursor")


def encode_cursor(at: datetime, pk: int) -> str:
    """An opaque token for (``at``, ``pk``): urlsafe base64 of "iso|id", without padding."""
    return urlsafe_b64encode(f"{at.isoformat()}|{pk}".encode()).decode("ascii").rstrip("=")


def decode_cursor(token: str) -> tuple[datetime, int]:
    """(instant, id) from a token of ``encode_cursor``; ``InvalidCursor`` for anything else."""
    if not token or len(token) > 120 or not token.isascii():
        raise InvalidCursor()
    try:
        text = urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
        iso, _sep, raw_id = text.partition("|")
        at = datetime.fromisoformat(iso)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidCursor() from exc
    pk = row_id(raw_id)
    if pk is None or at.tzinfo is None:
        raise InvalidCursor()
    return at, pk


def page_after(tickets: QuerySet[Ticket], key: str, cursor: str | None) -> Bounded:
    """One page of ``tickets`` ordered by (``key``, id) after ``cursor`` (None: the first).

    Two queries whatever the page: the rows (one more than a page, to know whether a next
    page exists) and the capped total of the whole list.
    """
    size = panel_size()
    ordered = tickets.order_by(key, "id")
    after = ordered
    if cursor is not None:
        at, pk = decode_cursor(cursor)
        after = ordered.filter(Q(**{f"{key}__gt": at}) | Q(**{key: at, "id__gt": pk}))
    rows = list(after[: size + 1])
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        next_cursor = encode_cursor(getattr(last, key), last.pk)
    total, capped = capped_count(tickets)
    return Bounded(rows=rows, total=total, capped=capped, next_cursor=next_cursor)
