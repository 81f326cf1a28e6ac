"""Every monthly figure's name and one-line definition, in one place.

The dashboard (column headings, tooltips and the definition lists), the CSV headers, the
API's field descriptions and the monthly email all read these, so they say the same words
as docs/metrics.md, where each figure is defined in full. Placeholders are the settings
of ``Rules`` (see ``definitions``).
"""

from dataclasses import dataclass

from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, ngettext_lazy

from reports.metrics.rules import Rules
from tickets.responsibility import late_receipt_window, late_release_share


@dataclass(frozen=True)
class Figure:
    label: object
    definition: object


FIGURES = {
    # Tickets by department and tier
    "opened": Figure(_("Opened"), _("Tickets opened this month, at the tier they entered.")),
    "resolved": Figure(
        _("Resolved"), _("Tickets resolved this month, at the tier where they were resolved.")
    ),
    "within_share": Figure(
        _("Within time"),
        _("Share of this month's resolved tickets resolved before their tier's deadline."),
    ),
    "median": Figure(
        _("Median to resolve"),
        _(
            "Half of this month's resolved tickets were resolved within this time of opening"
            " (nearest rank)."
        ),
    ),
    "p90": Figure(
        _("90th percentile to resolve"),
        _(
            "90%% of this month's resolved tickets were resolved within this time of opening"
            " (nearest rank)."
        ),
    ),
    "passed_up": Figure(
        _("Passed up"), _("Tickets passed by hand to the next tier from this tier this month.")
    ),
    "escalated": Figure(
        _("Escalated by the clock"),
        _("Tickets the clock moved up from this tier this month because its time ran out."),
    ),
    "breached": Figure(
        _("Breached at the top"), _("Tickets whose time ran out at the top tier this month.")
    ),
    "unowned_timeouts": Figure(
        _("Unowned time-outs"),
        _(
            "Tickets that timed out at this tier this month with nobody to charge: nobody owned"
            " them and nobody had released them there (the tier lead's responsibility)."
        ),
    ),
    "backlog": Figure(
        _("Backlog at month end"),
        _("Tickets still open at the month's last instant, at the tier they were in then."),
    ),
    "first_call": Figure(
        _("First call"),
        _("Tickets resolved this month on the customer's first call (logged and solved at once)."),
    ),
    "came_back_rate": Figure(
        _("Came back"),
        ngettext_lazy(
            "Share of this month's resolved tickets whose customer opened a linked ticket, or"
            " one in the same category, within %(back)s days.",
            "Share of this month's resolved tickets whose customer opened a linked ticket, or"
            " one in the same category, within %(back)s days.",
            "back_count",
        ),
    ),
    # Day by day
    "day_resolved": Figure(_("Resolved"), _("Tickets resolved on that day.")),
    "day_backlog": Figure(
        _("Backlog at end of day"),
        _("Tickets open when the day ended, in the department they were in at that instant."),
    ),
    # People
    "held": Figure(
        _("Held"), _("Tickets the person owned at this tier at any moment of the month.")
    ),
    "person_resolved": Figure(
        _("Resolved"), _("Tickets the person resolved at this tier this month.")
    ),
    "came_back": Figure(
        _("Came back"),
        ngettext_lazy(
            "Tickets they resolved whose customer opened a linked ticket, or one in the same"
            " category, within %(back)s days.",
            "Tickets they resolved whose customer opened a linked ticket, or one in the same"
            " category, within %(back)s days.",
            "back_count",
        ),
    ),
    "resolved_for_good": Figure(
        _("Resolved for good"), _("Tickets they resolved that did not come back.")
    ),
    "person_passed_up": Figure(
        _("Passed up"), _("Tickets the person passed up from this tier this month.")
    ),
    "median_held": Figure(
        _("Median held before passing"),
        _(
            "Median time from when this person received a ticket they owned to their passing"
            " it up (nearest rank)."
        ),
    ),
    "pauses": Figure(
        _("Pauses"),
        _("Tickets the person paused at this tier this month to wait on the customer."),
    ),
    "paused_hours": Figure(
        _("Paused hours"),
        _(
            "How long (wall-clock) the pauses they made at this tier were stopped, for the"
            " pauses that ended this month."
        ),
    ),
    "pauses_past_limit": Figure(
        _("Pauses past the limit"),
        _(
            "Tickets whose pause by them at this tier ended this month at the limit, without an"
            " answer from the customer."
        ),
    ),
    "satisfied_resolved": Figure(
        _("Satisfied (resolved)"),
        _("Share rating 4–5 among survey answers for the tickets they resolved."),
    ),
    "satisfied_held": Figure(
        _("Satisfied (held)"),
        _(
            "Share rating 4–5 among survey answers for this month's resolved tickets they"
            " held at any point."
        ),
    ),
    # Dumping report
    "quick_passes": Figure(
        _("Quick passes"),
        ngettext_lazy(
            "Tickets they passed up within %(m)s minutes of receiving them.",
            "Tickets they passed up within %(m)s minutes of receiving them.",
            "m",
        ),
    ),
    "thin_passes": Figure(
        _("Thin passes"),
        ngettext_lazy(
            "Tickets they passed up with a note under %(c)s characters (shown, not dumped).",
            "Tickets they passed up with a note under %(c)s characters (shown, not dumped).",
            "c",
        ),
    ),
    "timeouts": Figure(
        _("Time-outs"),
        ngettext_lazy(
            "Tickets whose time ran out at this tier charged to them: the owner's, unless they"
            " received it under %(r)s minutes before the deadline right after a late release"
            " (then the releaser's); with no owner, the last releaser's.",
            "Tickets whose time ran out at this tier charged to them: the owner's, unless they"
            " received it under %(r)s minutes before the deadline right after a late release"
            " (then the releaser's); with no owner, the last releaser's.",
            "r",
        ),
    ),
    "off_shift_timeouts": Figure(
        _("Ran out off shift"),
        _(
            "Tickets whose time ran out at this tier while the person it is charged to was off"
            " shift (shown, not a time-out and not dumped)."
        ),
    ),
    "late_pauses": Figure(
        _("Late pauses"),
        _("Tickets they paused with %(l)s%% or less of the tier's time left."),
    ),
    "late_releases": Figure(
        _("Late releases"),
        _("Tickets they released back to the queue with %(l)s%% or less of the tier's time left."),
    ),
    "thin_transfers": Figure(
        _("Thin transfers"),
        ngettext_lazy(
            "Tickets they transferred to another department with a note under %(c)s characters"
            " (shown, not dumped).",
            "Tickets they transferred to another department with a note under %(c)s characters"
            " (shown, not dumped).",
            "c",
        ),
    ),
    "returned_transfers": Figure(
        _("Returned transfers"),
        ngettext_lazy(
            "Tickets they transferred that the receiving department sent back to theirs within"
            " %(t)s hours.",
            "Tickets they transferred that the receiving department sent back to theirs within"
            " %(t)s hours.",
            "t_count",
        ),
    ),
    "bounces": Figure(
        _("Bounces"),
        ngettext_lazy(
            "Tickets they passed up that the next tier resolved within %(b)s minutes (shown,"
            " never highlighted).",
            "Tickets they passed up that the next tier resolved within %(b)s minutes (shown,"
            " never highlighted).",
            "b",
        ),
    ),
    "dumped": Figure(
        _("Dumped"),
        _(
            "Tickets with a quick pass, time-out, late release, returned transfer, late pause or"
            " pause past the limit by them."
        ),
    ),
    "dumped_share": Figure(_("Share dumped"), _("Dumped tickets as a share of tickets held.")),
    "highlight": Figure(
        _("Highlighted"),
        # Translators: %(fewer_than_held)s is "fewer than %(h)s tickets", translated apart.
        ngettext_lazy(
            "At least %(n)s tickets and at least %(f)sx the median of the same tier's agents"
            " (managers and people who held %(fewer_than_held)s left out of the median).",
            "At least %(n)s tickets and at least %(f)sx the median of the same tier's agents"
            " (managers and people who held %(fewer_than_held)s left out of the median).",
            "n",
        ),
    ),
    # Satisfaction
    "satisfied": Figure(
        _("Satisfied"),
        _("Share of survey answers rating 4 or 5, for tickets resolved this month."),
    ),
    "answers": Figure(_("Answers"), _("Survey answers for tickets resolved this month.")),
}


def _plural_number(value: float) -> int:
    """The whole number that picks a plural form for ``value`` (days or hours, maybe 1.5)."""
    whole = int(value)
    return whole if whole == value else whole + 1


def values(rules: Rules) -> dict:
    returned_hours = rules.returned_within.total_seconds() / 3600
    came_back_days = rules.came_back_within.total_seconds() / 86400
    return {
        "m": int(rules.quick_pass.total_seconds() // 60),
        "c": rules.short_note_chars,
        "b": int(rules.bounce_within.total_seconds() // 60),
        "n": rules.highlight_min_events,
        "f": f"{rules.highlight_factor:g}",
        "h": rules.highlight_min_held,
        "fewer_than_held": ngettext(
            "fewer than %(h)s tickets", "fewer than %(h)s tickets", rules.highlight_min_held
        )
        % {"h": rules.highlight_min_held},
        "t": f"{returned_hours:g}",
        "t_count": _plural_number(returned_hours),
        "back": f"{came_back_days:g}",
        "back_count": _plural_number(came_back_days),
        "l": f"{late_release_share() * 100:g}",
        "r": int(late_receipt_window().total_seconds() // 60),
    }


def definitions(rules: Rules | None = None) -> dict[str, str]:
    """{figure: its one-line definition with the settings filled in}."""
    filled = values(rules or Rules.from_settings())
    # ``%`` on the lazy texts themselves: a plural (ngettext_lazy) picks its form from its
    # number in ``filled``, which str() first would lose.
    return {key: str(f.definition % filled) for key, f in FIGURES.items()}


def _filled(key: str) -> str:
    return definitions()[key]


# A figure's definition as a lazy string, for texts built at import time (API help text):
# the settings are read when it is shown.
definition_text = lazy(_filled, str)
