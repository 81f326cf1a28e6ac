"""What customers said about the tickets resolved in a month."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import (
    Case,
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

from reports.metrics.aggregates import grouped_counts
from reports.metrics.flow import settled_at
from reports.metrics.scope import ReportScope
from reports.models import REASON_FIELDS, Reason, SurveyResponse
from tickets.models import Channel, format_reference

SATISFIED = Q(rating__gte=4)
MAX_HANDOFF_BUCKET = 5
MAX_TIERS_BUCKET = 4
TIME_BUCKETS = [  # (upper bound, label); the last bucket is open-ended
    (timedelta(hours=1), _("under 1 h")),
    (timedelta(hours=4), _("1–4 h")),
    (timedelta(hours=20), _("4–20 h")),
    (timedelta(hours=48), _("20–48 h")),
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
    comments: Sequence["Comment"] = field(default_factory=list)
    comment_count: int = 0


def responses_for(scope: ReportScope) -> QuerySet[SurveyResponse]:
    """Answers to the surveys of tickets resolved in the month (whenever they were answered,
    up to the month's close when it is closed)."""
    # The month's resolutions as one range of flow.settled_at (an index of reports/0004).
    responses = (
        SurveyResponse.objects.alias(settled=settled_at("ticket__"))
        .filter(settled__gte=scope.start, settled__lt=scope.end)
        .filter(scope.recorded("answered_at"))
    )
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


# What is counted of the month's answers: all of them, the satisfied ones, those with a
# comment and those naming each reason.
ANSWER_COUNTS = {
    "n": None,
    "ok": SATISFIED,
    "commented": ~Q(comment=""),
    **{field: Q(**{field: True}) for field in REASON_FIELDS.values()},
}
PER_RESOLVER = "resolver"  # the answers per resolver and tier, for the people's figures
ALL = "all"


def answer_groups(scope: ReportScope) -> dict[str, list[dict]]:
    """The month's answers counted per value of every dimension, per resolver and tier, and
    in total: ``{dimension: [{column: value, "n": answers, "ok": satisfied, ...}]}``.

    One statement over one scan of the answers (``grouped_counts``), whatever their number:
    a few hundred rows come back, where grouping by every dimension at once returned one
    row per combination (~11,000 at 60,000 tickets a month) for Python to fold.
    """
    groupings = {dimension: (column,) for dimension, column in DIMENSIONS.items()}
    groupings[PER_RESOLVER] = (DIMENSIONS["person"], DIMENSIONS["tier"])
    groupings[ALL] = ()
    # Only the total needs the comments and reasons; every other grouping, answers and
    # satisfied ones.
    shares = {label: ("n", "ok") for label in groupings if label != ALL}
    return grouped_counts(with_buckets(responses_for(scope)), groupings, ANSWER_COUNTS, only=shares)


def answers_per_person(groups: dict[str, list[dict]]) -> dict[tuple, tuple[int, int]]:
    """{(resolver id, tier id): (answers, satisfied)} from ``answer_groups``."""
    person, tier = DIMENSIONS["person"], DIMENSIONS["tier"]
    return {(g[person], g[tier]): (g["n"], g["ok"]) for g in groups[PER_RESOLVER]}


def monthly_satisfaction(
    scope: ReportScope,
    names: dict,
    comment_limit: int | None = 100,
    groups: dict[str, list[dict]] | None = None,
) -> Satisfaction:
    """Shares satisfied (4-5) overall and by every dimension, reason counts and comments.

    ``names`` maps departments, tiers and people to their labels. One statement does the
    work, a grouping per dimension (``answer_groups``, passed in when the caller has it),
    whatever the number of answers; the journey dimensions read the ticket's stored
    journey columns instead of its ledger.
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
    totals = groups[ALL][0] if groups[ALL] else dict.fromkeys(ANSWER_COUNTS, 0)
    overall = Share(None, str(_("All")), totals["n"], totals["ok"])
    result = Satisfaction(
        overall=overall,
        reasons=[(r.value, r.label, totals[REASON_FIELDS[r.value]]) for r in Reason],
    )
    result.breakdowns = {
        dim: sorted(
            (Share(g[column], labels[dim](g[column]), g["n"], g["ok"]) for g in groups[dim]),
            # Equal labels (two people of the same name) in the order of their keys: the
            # database returns groups in no particular order.
            key=(lambda s: s.key) if dim in ORDERED_BY_KEY else (lambda s: (s.label, str(s.key))),
        )
        for dim, column in DIMENSIONS.items()
    }
    result.comments = LatestComments(responses, comment_limit)
    # Counted with the groups above, so the comments query needs no count over the month.
    result.comment_count = totals["commented"]
    return result


class LatestComments(Sequence):
    """The latest answers with a comment, read from the database the first time they are used.

    Most readers of a report never look at them (six of the seven CSVs, the monthly email,
    a closed month's check against its stored figures), and the CSVs ask for all of them:
    thousands of answers with their tickets, built for nothing.
    """

    def __init__(self, responses: QuerySet[SurveyResponse], limit: int | None):
        self._responses, self._limit, self._rows = responses, limit, None

    def _read(self) -> list["Comment"]:
        if self._rows is None:
            self._rows = _latest_comments(self._responses, self._limit)
        return self._rows

    def __getitem__(self, index):
        return self._read()[index]

    def __len__(self) -> int:
        return len(self._read())

    def __iter__(self):
        return iter(self._read())


@dataclass(frozen=True)
class Comment:
    """A customer's comment as the page, the CSV and the API show it."""

    reference: str
    department: str
    rating: int
    reasons: tuple[str, ...]
    comment: str
    answered_at: datetime


COMMENT_COLUMNS = (
    "ticket_id",
    "ticket__department__name",
    "rating",
    "comment",
    "answered_at",
    *REASON_FIELDS.values(),
)


def _latest_comments(responses, limit: int | None) -> list[Comment]:
    """The latest ``limit`` answers with a comment (all when None).

    The latest are chosen first from the answers and their tickets' resolution times alone,
    and only those rows are read with their tickets: joining the month's whole tickets
    before keeping 100 of them read every resolved ticket's row. Plain rows, not model
    instances: the comments CSV has thousands.
    """
    if limit == 0:
        return []
    ordering = ("-answered_at", "-id")
    latest = responses.exclude(comment="").order_by(*ordering)
    if limit is not None:
        latest = SurveyResponse.objects.filter(pk__in=latest.values("pk")[:limit])
    reasons = list(REASON_FIELDS)
    return [
        Comment(
            format_reference(ticket_id),
            department,
            rating,
            tuple(r for r, on in zip(reasons, flags, strict=True) if on),
            comment,
            answered_at,
        )
        for ticket_id, department, rating, comment, answered_at, *flags in (
            latest.order_by(*ordering).values_list(*COMMENT_COLUMNS)
        )
    ]


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
