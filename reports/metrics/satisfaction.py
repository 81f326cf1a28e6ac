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
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import LessThan
from django.utils.translation import gettext_lazy as _

from reports.models import REASON_FIELDS, Reason, SurveyResponse
from reports.months import Month
from tickets.models import Channel, Handoff, HandoffKind

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


def _shares(responses, key: str, label_of) -> list[Share]:
    rows = (
        responses.values(key)
        .annotate(n=Count("id"), ok=Count("id", filter=SATISFIED))
        .order_by(key)
    )
    return [Share(r[key], label_of(r[key]), r["n"], r["ok"]) for r in rows]


def handoff_count_expression():
    changes = (
        Handoff.objects.filter(ticket=OuterRef("ticket_id"))
        .exclude(kind__in=NOT_A_HANDOFF)
        .order_by()
        .values("ticket_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(changes, output_field=IntegerField()), Value(0))


def tiers_visited_expression():
    tiers = (
        Handoff.objects.filter(ticket=OuterRef("ticket_id"))
        .order_by()
        .values("ticket_id")
        .annotate(n=Count("to_tier_id", distinct=True))
        .values("n")
    )
    return Coalesce(Subquery(tiers, output_field=IntegerField()), Value(1))


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


def monthly_satisfaction(
    month: Month, names: dict, department_id: int | None = None, comment_limit: int = 100
) -> Satisfaction:
    """Shares satisfied (4-5) overall and by every dimension, reason counts and comments.

    ``names`` maps each dimension to {key: label} for departments, tiers and people.
    """
    responses = responses_for(month, department_id)
    totals = responses.aggregate(
        n=Count("id"),
        ok=Count("id", filter=SATISFIED),
        **{field: Count("id", filter=Q(**{field: True})) for field in REASON_FIELDS.values()},
    )
    reasons = [(r.value, r.label, totals[REASON_FIELDS[r.value]]) for r in Reason]
    channels = dict(Channel.choices)
    result = Satisfaction(
        overall=Share(None, str(_("All")), totals["n"], totals["ok"]), reasons=reasons
    )

    def named(kind):
        return lambda key: str(names[kind].get(key, _("(none)")))

    result.breakdowns = {
        "department": _shares(responses, "ticket__department_id", named("department")),
        "tier": _shares(responses, "ticket__tier_id", named("tier")),
        "person": _shares(responses, "ticket__resolved_by_id", named("person")),
        "category": _shares(
            responses, "ticket__category__name", lambda k: k or str(_("(no category)"))
        ),
        "channel": _shares(responses, "ticket__channel", lambda k: str(channels.get(k, k))),
        "handoffs": _bucketed(
            _shares(responses.annotate(handoffs=handoff_count_expression()), "handoffs", str),
            MAX_HANDOFF_BUCKET,
        ),
        "tiers_visited": _bucketed(
            _shares(
                responses.annotate(tiers_visited=tiers_visited_expression()), "tiers_visited", str
            ),
            MAX_TIERS_BUCKET,
        ),
        "time_to_resolve": _shares(
            responses.annotate(time_bucket=time_bucket_expression()),
            "time_bucket",
            lambda i: str(TIME_BUCKETS[i][1]),
        ),
    }
    commented = responses.exclude(comment="")
    result.comment_count = commented.count()
    result.comments = list(
        commented.select_related("ticket", "ticket__department").order_by("-answered_at", "-id")[
            :comment_limit
        ]
    )
    return result


def _bucketed(shares: list[Share], cap: int) -> list[Share]:
    """Fold counts at or above ``cap`` into one "cap+" bucket."""
    folded: dict[int, Share] = {}
    for share in shares:
        key = min(int(share.key), cap)
        label = f"{cap}+" if key == cap else str(key)
        bucket = folded.setdefault(key, Share(key, label))
        bucket.responses += share.responses
        bucket.satisfied += share.satisfied
    return [folded[k] for k in sorted(folded)]
