"""Waiting on the customer, in a person's figures (docs/metrics.md, "People" and "The
dumping report"): pauses, paused hours, late pauses and pauses past the limit.

A pause is a ``paused`` ledger entry; it ends with a ``resumed`` or ``pause_expired`` entry,
whose ``paused_for`` is the pause's wall-clock length. Every pause figure counts for the
person who paused (the actor of the ``paused`` entry), at the tier it was paused at, so an
end (made by the clock, a colleague or the customer's answer) is counted against the
pauser: ``pauser`` finds them from the end's entry.
"""

from django.db.models import (
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.lookups import LessThanOrEqual

from reports.metrics.aggregates import whole_seconds
from reports.metrics.scope import ReportScope
from tickets.models import Handoff, HandoffKind

PAUSE_ENDS = [HandoffKind.RESUMED, HandoffKind.PAUSE_EXPIRED]
PAUSE_KINDS = [HandoffKind.PAUSED, *PAUSE_ENDS]


def pauser() -> Subquery:
    """For a pause's end (over Handoff rows), who made the pause it ends: the actor of the
    ticket's latest ``paused`` entry before it (one probe of ``handoff_chain_idx``)."""
    return Subquery(
        Handoff.objects.filter(ticket_id=OuterRef("ticket_id"), kind=HandoffKind.PAUSED, id__lt=OuterRef("id"))
        .order_by("-id")
        .values("actor_id")[:1],
        output_field=IntegerField(),
    )


def pause_conditions(scope: ReportScope) -> dict[str, Q]:
    """The conditions on ``people.person_moves`` rows behind each pause figure."""
    left = F("time_left")
    allowance = ExpressionWrapper(F("tier_time") * Value(scope.rules.late_pause_share), output_field=DurationField())
    paused = Q(kind=HandoffKind.PAUSED)
    return {
        "pauses": paused,
        # A pause written without its facts (time_left or tier_time empty) is never late.
        "late_pauses": paused & Q(LessThanOrEqual(left, allowance)),
        "pauses_past_limit": Q(kind=HandoffKind.PAUSE_EXPIRED),
        # The tickets behind Paused hours: their pauses by this person that ended this month.
        "paused_hours": Q(kind__in=PAUSE_ENDS),
    }


def count_paused_hours(moves: QuerySet, row) -> None:
    """Each person's Paused hours: the sum of ``paused_for`` of their pauses that ended in
    the month (``moves`` is ``person_moves``), in whole seconds."""
    totals = (
        moves.filter(kind__in=PAUSE_ENDS, paused_for__isnull=False)
        .values("person", "from_tier_id")
        .annotate(total=Sum("paused_for"))
        .order_by()
    )
    for r in totals:
        row(r["person"], r["from_tier_id"]).paused_seconds = whole_seconds(r["total"]) or 0
