"""Bounded lists: the most urgent few of a ticket list, its total, and keyset pages of the rest.

No screen renders an unbounded queryset. A panel (``first_of``) is the first
``TIERDESK_PANEL_SIZE`` (20) rows of an ordered list with a total counted on the same filter,
capped at ``COUNT_CAP`` so the count never walks a huge backlog. A full list page
(``page_after``, ``TIERDESK_PAGE_SIZE`` rows, 50) continues after a cursor: an opaque
token for the (key, id) of the last row shown, where the key is ``due_at`` (or
``paused_at`` for the tickets waiting on the customer). Each costs the same few queries
(its rows, the capped total) whichever page it is.
"""

import binascii
from base64 import urlsafe_b64decode, urlsafe_b64encode
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from core.errors import InvalidInput
from core.http import row_id
from core.rows import attach_by_id, split_related
from tickets.models import Ticket
from tickets.queries import TICKET_NAMES

# Beyond this many, a total says "over 10,000": an exact count of a huge list costs a scan.
COUNT_CAP = 10_000


def panel_size() -> int:
    """Rows of a home-page panel."""
    return max(1, int(settings.TIERDESK_PANEL_SIZE))


def page_size() -> int:
    """Rows of a page of a full list."""
    return max(1, int(settings.TIERDESK_PAGE_SIZE))


@dataclass
class Bounded:
    """Some rows of a list, how many the whole list holds (at most ``COUNT_CAP``, then
    ``capped``), and the cursor of the page after them (None on the last page)."""

    rows: list[Ticket]
    total: int | None  # None: not counted (a search's matches)
    capped: bool = False
    next_cursor: str | None = None

    @property
    def more(self) -> bool:
        return self.capped or self.total is None or self.total > len(self.rows)


def capped_count(tickets: QuerySet[Ticket]) -> tuple[int, bool]:
    """COUNT(*) over at most ``COUNT_CAP`` + 1 rows of ``tickets``: (count, whether capped)."""
    # Only the ticket rows: the list's joins (customer, tier, owner) would be read for nothing.
    count = tickets.select_related(None).order_by().values("pk")[: COUNT_CAP + 1].count()
    return (COUNT_CAP, True) if count > COUNT_CAP else (count, False)


def _first_rows(ordered: QuerySet[Ticket], limit: int) -> list[Ticket]:
    """The first ``limit`` rows of ``ordered`` with the list's joins, in one statement.

    The ids are chosen by a subquery (``id IN (SELECT id ... LIMIT n)``): PostgreSQL cannot
    flatten a subquery with a LIMIT, so it takes the ids from the list's own index with
    nothing joined, then reads those few rows by primary key. Asked for rows and joins at
    once, it sometimes misjudged a list's length, joined all of it and sorted (2,088 rows
    joined for a 50-row queue at a million tickets).
    """
    # Small tables (people, tiers, departments) are attached by id after: joined, they cost
    # PostgreSQL more to plan than the whole read (``core.rows``).
    related = ordered.query.select_related
    names = related if isinstance(related, dict) else {}
    joined, by_id = split_related(names, TICKET_NAMES)
    ids = ordered.select_related(None).values("pk")[:limit]
    rows = ordered.model._default_manager.filter(pk__in=Subquery(ids)).order_by(*ordered.query.order_by)
    if joined:
        rows = rows.select_related(*joined)
    return attach_by_id(rows, by_id)  # type: ignore[return-value]


def first_of(tickets: QuerySet[Ticket], size: int | None = None) -> Bounded:
    """The first ``size`` rows of ``tickets`` (already ordered) and the list's total.

    Its rows (``_first_rows``); a list shorter than a panel is its own count: the COUNT
    query is only asked when the panel is full.
    """
    size = size or panel_size()
    rows = _first_rows(tickets, size)
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


def after_cursor(
    tickets: QuerySet[Ticket], key: str, cursor: str | None, *, descending: bool = False
) -> QuerySet[Ticket]:
    """``tickets`` ordered by (``key``, id), ascending or descending, from after ``cursor``.

    The condition is written as a range on ``key`` plus the tie-break, not as an OR of the
    two, so PostgreSQL walks an index on (``key``, id) from the cursor instead of filtering
    the whole list: the cost of page 10,000 is the cost of page 1.
    """
    ordered = tickets.order_by(f"-{key}", "-id") if descending else tickets.order_by(key, "id")
    if cursor is None:
        return ordered
    at, pk = decode_cursor(cursor)
    if descending:
        return ordered.filter(Q(**{f"{key}__lte": at}), Q(**{f"{key}__lt": at}) | Q(id__lt=pk))
    return ordered.filter(Q(**{f"{key}__gte": at}), Q(**{f"{key}__gt": at}) | Q(id__gt=pk))


def keyset_page(
    tickets: QuerySet[Ticket], key: str, cursor: str | None, *, descending: bool = False,
    size: int | None = None,
) -> tuple[list[Ticket], str | None]:
    """One page of ``tickets`` after ``cursor`` and the cursor of the next (None: the last).

    One query (``_first_rows``): one row more than a page, to know whether another follows.
    """
    size = size or page_size()
    rows = _first_rows(after_cursor(tickets, key, cursor, descending=descending), size + 1)
    if len(rows) <= size:
        return rows, None
    rows = rows[:size]
    last = rows[-1]
    return rows, encode_cursor(getattr(last, key), last.pk)


def page_after(
    tickets: QuerySet[Ticket], key: str, cursor: str | None, *, descending: bool = False,
    counted: bool = True,
) -> Bounded:
    """One page of ``tickets`` ordered by (``key``, id) after ``cursor`` (None: the first).

    The same queries whatever the page: the page's ids and rows (``keyset_page``) and,
    unless ``counted`` is false, the capped total of the whole list.
    """
    rows, next_cursor = keyset_page(tickets, key, cursor, descending=descending)
    if not counted:
        return Bounded(rows=rows, total=None, next_cursor=next_cursor)
    total, capped = capped_count(tickets)
    return Bounded(rows=rows, total=total, capped=capped, next_cursor=next_cursor)
