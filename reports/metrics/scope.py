"""What a report is about: the month, an optional department, the rules, and the cut-off.

``as_of`` is the instant the report is read at: the close of a closed month (its summary
went out), or the instant a snapshot of a month still in progress was taken
(``reports.metrics.snapshots``). Facts recorded at or after it (a late survey answer, a
return, a later ticket, a move after the snapshot) are left out, so the month reads as it
stood then. Because the ledger is append-only, that is always reproducible: the
drill-down at the same instant lists exactly the tickets the figures counted.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from reports.metrics.rules import Rules
from reports.months import Month


@dataclass(frozen=True)
class ReportScope:
    month: Month
    department_id: int | None = None
    rules: Rules | None = None
    as_of: datetime | None = None

    def __post_init__(self):
        if self.rules is None:
            object.__setattr__(self, "rules", Rules.from_settings())

    @property
    def start(self) -> datetime:
        return self.month.start

    @property
    def end(self) -> datetime:
        """The end of the month's window: the month's end, or the cut-off if earlier."""
        if self.as_of is not None and self.as_of < self.month.end:
            return self.as_of
        return self.month.end

    def recorded(self, field: str) -> Q:
        """``field`` happened before the cut-off (always true for a live report)."""
        return Q(**{f"{field}__lt": self.as_of}) if self.as_of else Q()
