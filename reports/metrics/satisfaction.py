"""What customers said about the tickets resolved in a month."""

from dataclasses import dataclass, field
from datetime import timedelta

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
)
from django.db.models.functions import Least
from django.db.models.lookups import LessThan
from django.utils.translation import gettext_lazy as _

from reports.metrics.scope import ReportScope
from reports.models import REASON_FIELDS, Reason, SurveyResponse
from tickets.models import Channel

SATISFIED = Q(rating__gte=4)
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


def responses_for(scope: ReportScope) -> QuerySet[SurveyResponse]:
    """Answers to the surveys of tickets resolved in the month (whenever they were answered,
    up to the month's close when it is closed)."""
    responses = SurveyResponse.objects.filter(
        ticket__resolved_at__gte=scope.start, ticket__resolved_at__lt=scope.end
    ).filter(scope.recorded("answered_at"))
    if scope.department_id:
        responses = responses.filter(ticket__department_id=scope.department_id)
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


DIMENSIONS = {  # breakdown -> the grouped column
    "department": "ticket__department_id",
    "tier": "ticket__tier_id",
    "person": "ticket__resolved_by_id",
    "category": "ticket__category__name",
    "channel": "ticket__channel",
    "time_to_resolve": "time_bucket",
    # The ticket's journey, kept on the ticket by the actions (see Ticket.handoff_count),
    # capped into "n+" buckets.
    "handoffs": "handoff_bucket",
    "tiers_visited": "tiers_bucket",
}
# Breakdowns ordered by their key (buckets) rather than by their label.
ORDERED_BY_KEY = {"time_to_resolve", "handoffs", "tiers_visited"}


def with_buckets(responses: QuerySet[SurveyResponse]) -> QuerySet[SurveyResponse]:
    """The answers with the bucket columns that ``DIMENSIONS`` group by."""
    return responses.annotate(
        time_bucket=time_bucket_expression(),
        handoff_bucket=Least(F("ticket__handoff_count"), Value(MAX_HANDOFF_BUCKET)),
        tiers_bucket=Least(F("ticket__tiers_visited"), Value(MAX_TIERS_BUCKET)),
    )


def answer_groups(scope: ReportScope) -> list[dict]:
    """The month's answers counted per combination of every dimension (one aggregate).

    Each row holds the dimensions' columns (``DIMENSIONS``), ``n`` answers, ``ok``
    satisfied ones and each reason's count. ``monthly_satisfaction`` folds them per
    dimension; the people's figures take their answers per resolver and tier from them.
    """
    return list(
        with_buckets(responses_for(scope))
        .values(*DIMENSIONS.values())
        .annotate(
            n=Count("id"),
            ok=Count("id", filter=SATISFIED),
            commented=Count("id", filter=~Q(comment="")),
            **{field: Count("id", filter=Q(**{field: True})) for field in REASON_FIELDS.values()},
        )
        .order_by()
    )


def answers_per_person(groups: list[dict]) -> dict[tuple, tuple[int, int]]:
    """{(resolver id, tier id): (answers, satisfied)} from ``answer_groups``."""
    result: dict[tuple, tuple[int, int]] = {}
    for group in groups:
        key = (group[DIMENSIONS["person"]], group[DIMENSIONS["tier"]])
        n, ok = result.get(key, (0, 0))
        result[key] = (n + group["n"], ok + group["ok"])
    return result


def monthly_satisfaction(
    scope: ReportScope,
    names: dict,
    comment_limit: int | None = 100,
    groups: list[dict] | None = None,
) -> Satisfaction:
    """Shares satisfied (4-5) overall and by every dimension, reason counts and comments.

    ``names`` maps departments, tiers and people to their labels. One aggregate does the
    work, grouped by every dimension at once (``answer_groups``, passed in when the caller
    has it) and folded per dimension here, whatever the number of answers; the journey
    dimensions read the ticket's stored journey columns instead of its ledger.
    """
    responses = responses_for(scope)
    if groups is None:
        groups = answer_groups(scope)
    channels = dict(Channel.choices)
    labels = {
        "department": lambda k: str(names["department"].get(k, _("(none)"))),
        "tier": lambda k: str(names["tier"].get(k, _("(none)"))),
        "person": lambda k: str(names["person"].get(k, _("(unknown)"))),
        "category": lambda k: k or str(_("(no category)")),
        "channel": lambda k: str(channels.get(k, k)),
        "time_to_resolve": lambda i: str(TIME_BUCKETS[i][1]),
        "handoffs": lambda n: f"{n}+" if n == MAX_HANDOFF_BUCKET else str(n),
        "tiers_visited": lambda n: f"{n}+" if n == MAX_TIERS_BUCKET else str(n),
    }
    overall = Share(None, str(_("All")))
    comment_count = 0
    reason_counts = dict.fromkeys(REASON_FIELDS.values(), 0)
    breakdowns: dict[str, dict] = {dim: {} for dim in DIMENSIONS}
    for group in groups:
        overall.responses += group["n"]
        overall.satisfied += group["ok"]
        comment_count += group["commented"]
        for reason_field in reason_counts:
            reason_counts[reason_field] += group[reason_field]
        for dim, column in DIMENSIONS.items():
            key = group[column]
            share = breakdowns[dim].get(key)
            if share is None:
                # Labels are translated strings: build each once, not once per group.
                share = breakdowns[dim][key] = Share(key, labels[dim](key))
            share.responses += group["n"]
            share.satisfied += group["ok"]
    result = Satisfaction(
        overall=overall,
        reasons=[(r.value, r.label, reason_counts[REASON_FIELDS[r.value]]) for r in Reason],
    )
    result.breakdowns = {
        dim: sorted(
            shares.values(),
            key=(lambda s: s.key) if dim in ORDERED_BY_KEY else (lambda s: s.label),
        )
        for dim, shares in breakdowns.items()
    }
    result.comments = _latest_comments(responses, comment_limit)
    # Counted with the groups above, so the comments query needs no count over the month.
    result.comment_count = comment_count
    return result


def _latest_comments(responses, limit: int | None) -> list[SurveyResponse]:
    """The latest ``limit`` answers with a comment (all when None)."""
    if limit == 0:
        return []
    return list(
        responses.exclude(comment="")
        .select_related("ticket", "ticket__department")
        .order_by("-answered_at", "-id")[:limit]
    )


def answer_tickets(scope: ReportScope, dimension: str | None, key) -> QuerySet:
    """The ids of the answered tickets behind one share (``dimension`` None: all of them)."""
    responses = responses_for(scope)
    if dimension == "reason":
        if key not in REASON_FIELDS:
            raise ValueError(key)
        return responses.filter(**{REASON_FIELDS[key]: True}).values("ticket_id")
    if dimension is not None:
        if dimension not in DIMENSIONS:
            raise ValueError(dimension)
        column = DIMENSIONS[dimension]
        responses = with_buckets(responses).filter(
            **({f"{column}__isnull": True} if key is None else {column: key})
        )
    return responses.values("ticket_id")
