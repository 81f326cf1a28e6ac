"""Aggregates the figures share: nearest-rank percentiles (in the database where it can, in
Python where it cannot) and distinct-ticket counts over several groupings in one statement."""

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import timedelta

from django.db import connection
from django.db.models import (
    Aggregate,
    Case,
    DurationField,
    FloatField,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)


class EpochSeconds(Func):
    """Seconds in a PostgreSQL interval, as a double."""

    template = "EXTRACT(EPOCH FROM %(expressions)s)::double precision"
    output_field = FloatField()


class PercentileDisc(Aggregate):
    """PostgreSQL's percentile_disc: the nearest-rank percentile (a value of the group).

    percentile_disc(p) is the first value, in ascending order, whose cumulative share of the
    group reaches p: the value at rank ceil(p * n), which is ``nearest_rank`` below.
    """

    function = "PERCENTILE_DISC"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


def percentiles_in_database() -> bool:
    """Whether percentiles can be aggregated in SQL (PostgreSQL) or must be computed here.

    The embedded default runs on SQLite, which has no percentile_disc: there only the
    durations of the rows in question are fetched and ranked in Python, by the same rule.
    """
    return connection.vendor == "postgresql"


def nearest_rank(sorted_values: list, fraction: float):
    """The value at rank ceil(fraction * n) (1-based) of ascending values; None when empty."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(round(fraction * len(sorted_values), 9)))
    return sorted_values[rank - 1]


def group_percentiles(
    rows: Iterable[tuple], key: Callable[[tuple], object], value: Callable[[tuple], object]
) -> dict[object, tuple]:
    """Group rows in Python and return {key: (median, p90)} by nearest rank."""
    groups: dict[object, list] = {}
    for row in rows:
        groups.setdefault(key(row), []).append(value(row))
    result = {}
    for group, values in groups.items():
        values.sort()
        result[group] = (nearest_rank(values, 0.5), nearest_rank(values, 0.9))
    return result


def whole_seconds(value: timedelta | None) -> int | None:
    """Durations are reported in whole seconds, so SQL and Python agree to the last digit."""
    return None if value is None else round(value.total_seconds())



def grouped_counts(
    rows: QuerySet,
    groupings: Mapping[str, Sequence[str]],
    conditions: Mapping[str, Q | None],
    *,
    distinct: str | None = None,
    any_of: Mapping[str, Sequence[str]] | None = None,
    only: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, list[dict]]:
    """Counts of ``rows`` meeting each condition (None: every row), per grouping, at once.

    ``{grouping: [{column: value, ..., name: count}]}`` for every grouping (a tuple of
    columns of ``rows``; an empty one is the total), in ONE statement over ONE scan of
    ``rows``: each row's conditions are computed once (1 or 0) in a materialised CTE and
    summed per grouping. With ``distinct`` (a column) a count is of the distinct values
    of that column meeting the condition, as ``Count(distinct, distinct=True,
    filter=condition)``, without a sort per count: the flags are first folded per
    (grouping, value) with MAX. ``any_of`` adds counts of rows (values) meeting any of the
    named conditions. ``only`` limits a grouping to some of the counts (the others read 0).
    Portable SQL (PostgreSQL and SQLite).
    """
    any_of, only = any_of or {}, only or {}
    columns = list(dict.fromkeys(c for keys in groupings.values() for c in keys))
    # The flags get names of their own: a condition may be named like a field of the model.
    alias = {name: f"counted_{i}" for i, name in enumerate([*conditions, *any_of])}
    flags = {
        alias[name]: Value(1)
        if condition is None
        else Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())
        for name, condition in conditions.items()
    }
    selected = [*columns, *([distinct] if distinct else [])]
    inner_sql, params = rows.values(*selected, **flags).order_by().query.sql_with_params()
    qn = connection.ops.quote_name
    names = [*conditions, *any_of]
    either = {
        name: f"CASE WHEN {' OR '.join(f'{alias[n]} = 1' for n in parts)} THEN 1 ELSE 0 END"
        for name, parts in any_of.items()
    }
    branches = []
    for label, keys in groupings.items():
        keyed = [qn(k) for k in keys]
        if distinct:
            # Did any row of this (grouping, value) meet it? Then count the value once.
            folded = [*(f"MAX({alias[n]}) AS {alias[n]}" for n in conditions),
                      *(f"MAX({sql}) AS {alias[n]}" for n, sql in either.items())]
            source = (
                f"(SELECT {', '.join([*keyed, *folded])} FROM counted"
                f" GROUP BY {', '.join([*keyed, qn(distinct)])}) folded"
            )
            sums = [f"SUM({alias[n]})" for n in names]
        else:
            source = "counted"
            sums = [*(f"SUM({alias[n]})" for n in conditions),
                    *(f"SUM({sql})" for sql in either.values())]
        if label in only:
            sums = [total if n in only[label] else "0" for n, total in zip(names, sums, strict=True)]
        shown = [qn(c) if c in keys else f"NULL AS {qn(c)}" for c in columns]
        branches.append(
            f"SELECT '{label}' AS part, {', '.join([*shown, *sums])} FROM {source}"
            + (f" GROUP BY {', '.join(keyed)}" if keys else "")
        )
    # No rows, but the columns' own types: PostgreSQL types a UNION's columns pair by pair,
    # and two NULLs in a row would make a column text.
    typed = f"SELECT NULL AS part, {', '.join([*(qn(c) for c in columns), *('0' for _n in names)])}"
    branches.insert(0, f"{typed} FROM counted WHERE 1 = 0")
    materialised = " MATERIALIZED" if connection.vendor == "postgresql" else ""
    sql = f"WITH counted AS{materialised} ({inner_sql}) " + " UNION ALL ".join(branches)
    result: dict[str, list[dict]] = {label: [] for label in groupings}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for label, *values in cursor.fetchall():
            record = dict(zip([*columns, *names], values, strict=True))
            result[label].append({k: (v or 0) if k in names else v for k, v in record.items()})
    return result
