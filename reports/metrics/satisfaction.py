"""What customers said about the tickets resolved in a month."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connection
from django.db.models import (
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.lookups import LessThan
from django.utils.translation import gettext_lazy as _

from reports.models import REASON_FIELDS, Reason, SurveyResponse
from reports.months import Month
from tickets.models import Channel, HandoffKind

SATISFIED = Q(rating__gte=4)
# Entries that are not a change of hands: the opening, the resolution and a breach mark.
NOT_A_HANDOFF = [HandoffKind.OPENED, HandoffKind.RESOLVED, HandoffKind.BREACHED]
MAX_HANDOFF_BUCKET = 5
MAX_TIERS_BUCKET = 4
TIME_BUCKETS = [  # (upper bound, label); the last bucket is open-ended
    (timedelta(hours=1), _("under 1 h")),
    (timedelta(hours=4), _("1\u20134 h")),
    (timedelta(hours=20), _("4\u201320 h")),
    (timedelta(hours=48), _("20\u201348 h")),
    (None, _("over 48 h")),
]


@dataclass
class Share:
    key: object
    label: str
    responses: int = 0
    satisfied: int = 0

    @property
    def share(self) -> float | None:
        return self.satisfied / self.responses if self.responses else None


@dataclass
class Satisfaction:
    overall: Share
    reasons: list[tuple[str, str, int]]
    breakdowns: dict[str, list[Share]] = field(default_factory=dict)
    comments: list[SurveyResponse] = field(default_factory=list)
    comment_count: int = 0


def responses_for(month: Month, department_id: int | None = None) -> QuerySet[SurveyResponse]:
    """Answers to the surveys of tickets resolved in the month (whenever they were answered)."""
    responses = SurveyResponse.objects.filter(
        ticket__resolved_at__gte=month.start, ticket__resolved_at__lt=month.end
    )
    if department_id:
        responses = responses.filter(ticket__department_id=department_id)
    return responses


def time_bucket_expression():
    took = ExpressionWrapper(
        F("ticket__resolved_at") - F("ticket__opened_at"), output_field=DurationField()
    )
    whens = [
        When(LessThan(took, bound), then=Value(i))
        for i, (bound, _label) in enumerate(TIME_BUCKETS)
        if bound
    ]
    return Case(*whens, default=Value(len(TIME_BUCKETS) - 1), output_field=IntegerField())


# Per-ticket handoff and tier counts folded into buckets in one pass (portable SQL).
JOURNEY_SQL = """
SELECT CASE WHEN j.changes >= %s THEN %s ELSE j.changes END,
       CASE WHEN j.tiers >= %s THEN %s ELSE j.tiers END,
       COUNT(*), SUM(CASE WHEN j.rating >= 4 THEN 1 ELSE 0 END)
FROM ({journeys}) j
GROUP BY 1, 2
"""
DIMENSIONS = {  # breakdown -> the grouped column
    "department": "ticket__department_id",
    "tier": "ticket__tier_id",
    "person": "ticket__resolved_by_id",
    "category": "ticket__category__name",
    "channel": "ticket__channel",
    "time_to_resolve": "time_bucket",
}


def monthly_satisfaction(
    month: Month, names: dict, department_id: int | None = None, comment_limit: int | None = 100
) -> Satisfaction:
    """Shares satisfied (4-5) overall and by every dimension, reason counts and comments.

    ``names`` maps departments, tiers and people to their labels. Two aggregates do the
    work: one grouped by every plain dimension at once (folded per dimension here), one
    for the ticket's journey (handoffs, tiers visited), whatever the number of answers.
    """
    responses = responses_for(month, department_id)
    groups = list(
        responses.annotate(time_bucket=time_bucket_expression())
        .values(*DIMENSIONS.values())
        .annotate(
            n=Count("id"),
            ok=Count("id", filter=SATISFIED),
            **{field: Count("id", filter=Q(**{field: True})) for field in REASON_FIELDS.values()},
        )
        .order_by()
    )
    channels = dict(Channel.choices)
    labels = {
        "department": lambda k: str(names["department"].get(k, _("(none)"))),
        "tier": lambda k: str(names["tier"].get(k, _("(none)"))),
        "person": lambda k: str(names["person"].get(k, _("(unknown)"))),
        "category": lambda k: k or str(_("(no category)")),
        "channel": lambda k: str(channels.get(k, k)),
        "time_to_resolve": lambda i: str(TIME_BUCKETS[i][1]),
    }
    overall = Share(None, str(_("All")))
    reason_counts = dict.fromkeys(REASON_FIELDS.values(), 0)
    breakdowns: dict[str, dict] = {dim: {} for dim in DIMENSIONS}
    for group in groups:
        overall.responses += group["n"]
        overall.satisfied += group["ok"]
        for reason_field in reason_counts:
            reason_counts[reason_field] += group[reason_field]
        for dim, column in DIMENSIONS.items():
            key = group[column]
            share = breakdowns[dim].setdefault(key, Share(key, labels[dim](key)))
            share.responses += group["n"]
            share.satisfied += group["ok"]
    result = Satisfaction(
        overall=overall,
        reasons=[(r.value, r.label, reason_counts[REASON_FIELDS[r.value]]) for r in Reason],
    )
    result.breakdowns = {
        dim: sorted(
            shares.values(),
            key=(lambda s: s.key) if dim == "time_to_resolve" else (lambda s: s.label),
        )
        for dim, shares in breakdowns.items()
    }
    result.breakdowns["handoffs"], result.breakdowns["tiers_visited"] = _journeys(responses)
    result.comments, result.comment_count = _latest_comments(responses, comment_limit)
    return result


def _latest_comments(responses, limit: int | None) -> tuple[list[SurveyResponse], int]:
    """The latest ``limit`` answers with a comment (all when None), and how many there are.

    The total rides along as a window count over the whole filtered set (computed before
    LIMIT), which saves a second pass over the month's answers; only when the page comes
    back empty is a separate count needed (no comments, or a limit of 0).
    """
    commented = responses.exclude(comment="")
    rows = list(
        commented.select_related("ticket", "ticket__department")
        .annotate(comments_in_month=Window(Count("id")))
        .order_by("-answered_at", "-id")[:limit]
    )
    if rows:
        return rows, rows[0].comments_in_month
    return rows, (0 if limit is None or limit > 0 else commented.count())


def _journeys(responses) -> tuple[list[Share], list[Share]]:
    """Satisfaction by number of handoffs and by tiers visited (each capped into "n+")."""
    journeys = (
        responses.order_by()
        .values("id", "rating")
        .annotate(
            changes=Count("ticket__handoffs", filter=~Q(ticket__handoffs__kind__in=NOT_A_HANDOFF)),
            tiers=Count("ticket__handoffs__to_tier_id", distinct=True),
        )
    )
    inner_sql, inner_params = journeys.query.sql_with_params()
    caps = [MAX_HANDOFF_BUCKET, MAX_HANDOFF_BUCKET, MAX_TIERS_BUCKET, MAX_TIERS_BUCKET]
    with connection.cursor() as cursor:
        cursor.execute(JOURNEY_SQL.format(journeys=inner_sql), [*caps, *inner_params])
        rows = cursor.fetchall()
    by_changes: dict[int, Share] = {}
    by_tiers: dict[int, Share] = {}
    for changes, tiers, n, ok in rows:
        for buckets, key, cap in (
            (by_changes, changes, MAX_HANDOFF_BUCKET),
            (by_tiers, tiers, MAX_TIERS_BUCKET),
        ):
            share = buckets.setdefault(key, Share(key, f"{cap}+" if key == cap else str(key)))
            share.responses += int(n)
            share.satisfied += int(ok)
    return ([by_changes[k] for k in sorted(by_changes)], [by_tiers[k] for k in sorted(by_tiers)])
