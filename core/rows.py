"""Rows of small tables (people, tiers, departments, categories) attached to a list by id.

A list of tickets joined to six tables in one statement cost PostgreSQL more to plan than
to run: 4-5 ms of planning against 0.5 ms of execution for a 20-row panel at a million
tickets, paid again by every panel of a page. The small tables are read by id instead, one
short primary-key query per table for the whole list, and the large ones (customers) stay
joined.

While a GET or HEAD request runs (``RequestRowsMiddleware``), the rows read are kept for
the rest of it: a home page's four panels read the tiers and departments they share once.
A request that writes keeps nothing, so it never shows a row as it was before its change.

Some tables are a desk's configuration (departments, tiers, categories: dozens of rows, not
thousands). Registered with ``read_whole``, the first miss of a request reads the whole
table, so every later panel of the page finds its rows without a query; a table grown past
``WHOLE_LIMIT`` rows is read by id like the others. Rows a request loaded another way (a
tier's members) can be ``remember``ed for the lists after them.
"""

from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from typing import Any

from django.db.models import Model

SAFE_METHODS = frozenset({"GET", "HEAD"})
# A configuration table larger than this is read by id, as any other.
WHOLE_LIMIT = 500
# The models whose whole table is read at a request's first miss (``read_whole``).
_whole_tables: set[type[Model]] = set()
_WHOLE = object()  # the memo's key, beside a model, for "this table was read whole"

# (model, primary key) -> row, for the request running in this context; None outside one.
_request_rows: ContextVar[dict[tuple[type[Model], Any], Model] | None] = ContextVar(
    "request_rows", default=None
)


class RequestRowsMiddleware:
    """Keep the small rows ``attach_by_id`` reads for the rest of a GET or HEAD request."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        if request.method not in SAFE_METHODS:
            return self.get_response(request)
        token = _request_rows.set({})
        try:
            return self.get_response(request)
        finally:
            _request_rows.reset(token)


def read_whole(*models: type[Model]) -> None:
    """Read these small tables whole at a request's first miss (an app's ``ready``)."""
    _whole_tables.update(models)


def remember(rows: Iterable[Model]) -> None:
    """Keep rows this request loaded some other way for the lists read after them."""
    memo = _request_rows.get()
    if memo is not None:
        memo.update({(type(row), row.pk): row for row in rows})


def _read(model: type[Model], ids: set[Any]) -> dict[Any, Model]:
    """The rows of ``model`` with these ids: from the request's memo, the rest in one query."""
    memo = _request_rows.get()
    known = {} if memo is None else {pk: memo[model, pk] for pk in ids if (model, pk) in memo}
    missing = ids - known.keys()
    if not missing:
        return known
    whole = (model, _WHOLE)
    if memo is not None and model in _whole_tables and whole not in memo:
        # No ordering: a tier's default one would join its department for nothing.
        rows = list(model._default_manager.order_by()[: WHOLE_LIMIT + 1])
        memo[whole] = len(rows) <= WHOLE_LIMIT  # type: ignore[assignment]
        memo.update({(model, row.pk): row for row in rows})
        known.update({pk: memo[model, pk] for pk in missing if (model, pk) in memo})
        missing -= known.keys()
        if memo[whole] or not missing:  # read whole: a missing id is no row at all
            return known
    found = model._default_manager.order_by().in_bulk(missing)
    if memo is not None:
        memo.update({(model, pk): row for pk, row in found.items()})
    return {**known, **found}


def attach_by_id(rows: Iterable[Model], fields: Sequence[str]) -> list[Model]:
    """``rows`` with each foreign key of ``fields`` filled in: one query per target table
    (none for the rows this request read already).

    Fields pointing at the same table (a handoff's actor and owners) share its query; a row
    whose key is empty gets None, exactly as ``select_related`` would give it.
    """
    rows = list(rows)
    attach_groups_by_id([(rows, fields)])
    return rows


def attach_groups_by_id(groups: Sequence[tuple[Sequence[Model], Sequence[str]]]) -> None:
    """``attach_by_id`` for rows of several models at once (referrals and their tickets):
    the people or departments both point at are read in one query."""
    wanted: dict[type[Model], list[tuple[Sequence[Model], list[str]]]] = {}
    for rows, fields in groups:
        if not rows or not fields:
            continue
        by_model: dict[type[Model], list[str]] = {}
        meta = rows[0]._meta
        for field in fields:
            by_model.setdefault(meta.get_field(field).related_model, []).append(field)  # type: ignore[arg-type]
        for model, names in by_model.items():
            wanted.setdefault(model, []).append((rows, names))
    for model, parts in wanted.items():
        ids = {getattr(row, f"{name}_id") for rows, names in parts for row in rows for name in names} - {None}
        found = _read(model, ids)
        for rows, names in parts:
            for row in rows:
                for name in names:
                    pk = getattr(row, f"{name}_id")
                    if pk is None:
                        setattr(row, name, None)
                    elif pk in found:  # else left to load lazily: never blank a key on a miss
                        setattr(row, name, found[pk])


def split_related(
    related: Iterable[str], small: Sequence[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(the relations to join, the small ones to attach by id) of a ``select_related`` list.

    Only direct foreign keys are attached by id; a path through one ("ticket__customer")
    stays a join.
    """
    joined: list[str] = []
    by_id: list[str] = []
    for name in related:
        (by_id if name in small else joined).append(name)
    return tuple(joined), tuple(by_id)
