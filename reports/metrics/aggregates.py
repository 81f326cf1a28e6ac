"""Percentiles in the database where it can, and the rules the dumping report applies."""

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import FloatField, Func


class EpochSeconds(Func):
    """Seconds in a PostgreSQL interval, as a double (what percentile_cont orders by)."""

    template = "EXTRACT(EPOCH FROM %(expressions)s)::double precision"
    output_field = FloatField()


def percentiles_in_database() -> bool:
    """Whether percentiles can be aggregated in SQL (PostgreSQL) or must be computed here.

    The embedded default runs on SQLite, which has no percentile_cont: there we fetch only
    the durations of the month's resolved tickets (or passes) and interpolate in Python,
    the same way PostgreSQL does. On PostgreSQL nothing is loaded row by row.
    """
    return connection.vendor == "postgresql"


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    """Interpolate like percentile_cont: lo + (hi - lo) * (p * (n - 1) - floor(p * (n - 1)))."""
    if not sorted_values:
        return None
    position = fraction * (len(sorted_values) - 1)
    lo_index, hi_index = math.floor(position), math.ceil(position)
    lo, hi = sorted_values[lo_index], sorted_values[hi_index]
    return lo + (hi - lo) * (position - lo_index)


def group_percentiles(
    rows: Iterable[tuple], key: Callable[[tuple], object], seconds: Callable[[tuple], float]
) -> dict[object, tuple[float | None, float | None]]:
    """Group rows in Python and return {key: (median, p90)} (the SQLite fallback)."""
    groups: dict[object, list[float]] = {}
    for row in rows:
        groups.setdefault(key(row), []).append(seconds(row))
    result = {}
    for group, values in groups.items():
        values.sort()
        result[group] = (percentile(values, 0.5), percentile(values, 0.9))
    return result


def rounded_seconds(value: float | None) -> int | None:
    """Durations are reported in whole seconds, so SQL and Python agree to the last digit."""
    return None if value is None else round(value)


@dataclass(frozen=True)
class DumpingRules:
    """The thresholds of the dumping report (settings, read when a report is built)."""

    quick_pass: timedelta
    short_note_chars: int
    bounce_within: timedelta
    highlight_factor: float
    highlight_min_events: int

    @classmethod
    def from_settings(cls) -> "DumpingRules":
        return cls(
            quick_pass=timedelta(minutes=getattr(settings, "TIERDESK_QUICK_PASS_MINUTES", 15)),
            short_note_chars=getattr(settings, "TIERDESK_SHORT_NOTE_CHARS", 20),
            bounce_within=timedelta(minutes=getattr(settings, "TIERDESK_BOUNCE_MINUTES", 30)),
            highlight_factor=getattr(settings, "TIERDESK_DUMPING_FACTOR", 2.0),
            highlight_min_events=getattr(settings, "TIERDESK_DUMPING_MIN_EVENTS", 3),
        )

    def well_above(self, value: int, tier_median: float) -> bool:
        """At least ``min_events`` and at least ``factor`` times the tier's median."""
        return value >= self.highlight_min_events and value >= self.highlight_factor * tier_median
