"""The thresholds behind the monthly figures (settings, read when a report is built).

Each one is named and explained in docs/metrics.md; the late-release share and the
late-receipt window belong to the ledger (``tickets.responsibility``), because the sweep
applies them when it charges a time-out.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings


@dataclass(frozen=True)
class Rules:
    quick_pass: timedelta
    short_note_chars: int
    bounce_within: timedelta
    returned_within: timedelta
    came_back_within: timedelta
    highlight_factor: float
    highlight_min_events: int
    highlight_min_held: int
    # A late pause: paused with at most this share of the tier's time left (the late-release
    # share, TIERDESK_LATE_RELEASE_SHARE), applied when the report is read.
    late_pause_share: float = 0.25

    @classmethod
    def from_settings(cls) -> "Rules":
        return cls(
            quick_pass=timedelta(minutes=getattr(settings, "TIERDESK_QUICK_PASS_MINUTES", 15)),
            short_note_chars=getattr(settings, "TIERDESK_SHORT_NOTE_CHARS", 20),
            bounce_within=timedelta(minutes=getattr(settings, "TIERDESK_BOUNCE_MINUTES", 30)),
            returned_within=timedelta(
                hours=getattr(settings, "TIERDESK_RETURNED_TRANSFER_HOURS", 24)
            ),
            came_back_within=timedelta(days=getattr(settings, "TIERDESK_CAME_BACK_DAYS", 7)),
            highlight_factor=getattr(settings, "TIERDESK_DUMPING_FACTOR", 2.0),
            highlight_min_events=getattr(settings, "TIERDESK_DUMPING_MIN_EVENTS", 3),
            highlight_min_held=getattr(settings, "TIERDESK_DUMPING_MIN_HELD", 5),
            late_pause_share=float(getattr(settings, "TIERDESK_LATE_RELEASE_SHARE", 0.25)),
        )

    def well_above(self, value: int, tier_median: float) -> bool:
        """At least ``min_events`` and at least ``factor`` times the tier's median."""
        return value >= self.highlight_min_events and value >= self.highlight_factor * tier_median
