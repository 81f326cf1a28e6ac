"""Who is highlighted in the dumping report (docs/metrics.md, "Highlighted").

A figure is highlighted when it is at least ``TIERDESK_DUMPING_MIN_EVENTS`` and at least
``TIERDESK_DUMPING_FACTOR`` times the median of the same tier's agents that month (managers
and people who held fewer than ``TIERDESK_DUMPING_MIN_HELD`` tickets left out of the median).
"""

from statistics import median
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db.models import Q

from departments.roles import MANAGERS_GROUP

if TYPE_CHECKING:
    from reports.metrics.people import PersonFigures

# The figures a person can be highlighted for (and that count towards Dumped); bounces,
# thin moves and time-outs that ran out off shift are only shown.
HIGHLIGHTED = (
    "quick_passes",
    "timeouts",
    "late_releases",
    "returned_transfers",
    "late_pauses",
    "pauses_past_limit",
)


def manager_ids() -> set[int]:
    """Active superusers and members of the managers group (``departments.roles.is_manager``)."""
    return set(
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name=MANAGERS_GROUP))
        .values_list("id", flat=True)
    )


def comparison_group(people: list["PersonFigures"], rules) -> list["PersonFigures"]:
    """The agents a tier's people are compared with: no managers, and enough tickets held."""
    return [p for p in people if not p.is_manager and p.held >= rules.highlight_min_held]


def tier_medians(people: list["PersonFigures"], rules) -> dict[int, dict[str, float]]:
    """{tier id: {figure: median of the tier's comparison group}} (0 with nobody in it)."""
    by_tier: dict[int, list[PersonFigures]] = {}
    for person in people:
        by_tier.setdefault(person.tier_id, []).append(person)
    result = {}
    for tier_id, colleagues in by_tier.items():
        group = comparison_group(colleagues, rules)
        result[tier_id] = {
            name: (median(getattr(p, name) for p in group) if group else 0)
            for name in HIGHLIGHTED
        }
    return result


def highlight(people: list["PersonFigures"], rules) -> None:
    """Mark each figure well above the median of the same tier's agents this month."""
    medians = tier_medians(people, rules)
    for person in people:
        for name in HIGHLIGHTED:
            if rules.well_above(getattr(person, name), medians[person.tier_id][name]):
                person.flagged.add(name)
