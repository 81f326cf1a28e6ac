"""Nearest-rank percentiles, in the database where it can and in Python where it cannot."""

import math
from collections.abc import Callable, Iterable
from datetime import timedelta

from django.db import connection
from django.db.models import Aggregate, DurationField, FloatField, Func


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
