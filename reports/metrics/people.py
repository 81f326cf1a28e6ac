"""What each person did in a month, and the dumping report.

A person's figures are kept per tier (where the ticket was when they acted), because the
dumping report compares people with the others of the same tier.
"""

from dataclasses import dataclass, field
from statistics import median

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce, Length

from reports.metrics.aggregates import (
    DumpingRules,
    group_percentiles,
    percentiles_in_database,
    rounded_seconds,
)
from reports.metrics.daily import resolutions_by_person_and_day
from reports.metrics.flow import open_at, resolved_in, state_before
from reports.metrics.satisfaction import answer_groups, answers_per_person
from reports.months import Month
from tickets.models import Handoff, HandoffKind, Holding

DUMPING_METRICS = ("quick_passes", "timeouts", "bounces")
DRILL_METRICS = ("held", "resolved", "passed_up", "quick_passes", "timeouts", "bounces", "dumped")


@dataclass
class PersonFigures:
    user_id: int
    tier_id: int
    user: object = None
    tier: object = None
    held: int = 0
    resolved: int = 0
    passed_up: int = 0
    timeouts: int = 0
    quick_passes: int = 0
    bounces: int = 0
    dumped: int = 0
    median_held_seconds: int | None = None
    responses: int = 0
    satisfied: int = 0
    flagged: set = field(default_factory=set)

    @property
    def satisfied_share(self) -> float | None:
        return self.satisfied / self.responses if self.responses else None

    @property
    def dumped_share(self) -> float | None:
        """Share of the tickets they held that left them by a quick pass, a time-out or a bounce."""
        return self.dumped / self.held if self.held else None

    @property
    def is_flagged(self) -> bool:
        return bool(self.flagged)


def held_handoffs(month: Month, department_id: int | None = None) -> QuerySet[Handoff]:
    """Ledger entries that gave someone a ticket they then held during the month.

    A ticket was held in the month by whoever received it in the month (claim, assignment,
    opening it themselves) or owned it as the month began.
    """
    # The entry in force at the month's first instant, for each ticket open then.
    start_entries = (
        open_at(month.start)
        .annotate(entry=state_before(month.start, inclusive=True, column="id"))
        .values("entry")
    )
    handoffs = (
        Handoff.objects.filter(Q(at__gte=month.start, at__lt=month.end) | Q(id__in=start_entries))
        .filter(to_owner_id__isnull=False)
        .exclude(kind=HandoffKind.RESOLVED)
    )
    if department_id:
        handoffs = handoffs.filter(to_department_id=department_id)
    return handoffs


def _count_held(month: Month, department_id, row) -> None:
    """Count the tickets each person held at each tier during the month (``held_handoffs``).

    A ticket held by someone at a tier is one Holding row, stamped with the first time the
    ledger gave it to them there. Every holding first received in the month counts once,
    with no de-duplication of the month's ledger entries. The others held in the month
    were first received before it, so their ticket was open at the month's first instant:
    only that small set of tickets is looked up in the ledger. Entries are written in time
    order (each action at its own "now"), which is what makes the two parts add up exactly.
    """
    first_in_month = Holding.objects.filter(
        first_received_at__gte=month.start, first_received_at__lt=month.end
    )
    if department_id:
        first_in_month = first_in_month.filter(tier__department_id=department_id)
    for r in first_in_month.values("owner_id", "tier_id").annotate(n=Count("id")).order_by():
        row(r["owner_id"], r["tier_id"]).held += r["n"]

    first_received = Subquery(
        Holding.objects.filter(
            ticket_id=OuterRef("ticket_id"),
            owner_id=OuterRef("to_owner_id"),
            tier_id=OuterRef("to_tier_id"),
        ).values("first_received_at")[:1]
    )
    earlier = (
        held_handoffs(month, department_id)
        .filter(ticket_id__in=open_at(month.start).values("id"))
        .annotate(first_received=first_received)
        # Not already counted above. (Every entry has its holding: the actions write it and
        # the migration backfilled it; an entry without one would still be counted here.)
        .filter(
            Q(first_received__lt=month.start)
            | Q(first_received__gte=month.end)
            | Q(first_received__isnull=True)
        )
        .values("to_owner_id", "to_tier_id")
        .annotate(n=Count("ticket_id", distinct=True))
        .order_by()
    )
    for r in earlier:
        row(r["to_owner_id"], r["to_tier_id"]).held += r["n"]


def moves_out(
    month: Month, rules: DumpingRules, department_id: int | None = None
) -> QuerySet[Handoff]:
    """Passes and escalations of the month, each with the person it left and how long they had it.

    ``person`` is whoever passed the ticket, or whoever owned it when the clock ran out.
    ``held_for`` is the time since the ledger's previous entry for the ticket: the claim,
    assignment or opening that gave it to them (or when it entered their queue). The
    actions store it with the entry (``since_previous``); entries written before that
    column existed have it empty, and only for them the previous entry is looked up
    (COALESCE evaluates the subquery only when the column is NULL).
    """
    previous_at = Subquery(
        Handoff.objects.filter(ticket=OuterRef("ticket_id"), id__lt=OuterRef("id"))
        .order_by("-id")
        .values("at")[:1]
    )
    handoffs = Handoff.objects.filter(
        at__gte=month.start, at__lt=month.end, kind__in=[HandoffKind.PASSED, HandoffKind.ESCALATED]
    )
    if department_id:
        handoffs = handoffs.filter(from_department_id=department_id)
    return (
        handoffs.annotate(person=Coalesce("actor_id", "from_owner_id"))
        .filter(person__isnull=False)
        .annotate(
            held_for=Coalesce(
                "since_previous",
                ExpressionWrapper(F("at") - previous_at, output_field=DurationField()),
                output_field=DurationField(),
            ),
            note_length=Length("note"),
            bounce_deadline=ExpressionWrapper(
                F("at") + rules.bounce_within, output_field=DateTimeField()
            ),
        )
    )


def metric_filters(rules: DumpingRules) -> dict[str, Q]:
    """The condition on ``moves_out`` rows behind each dumping figure.

    "Quick" asks whether the pass came within the window after the ledger's previous entry
    for the ticket (the one that gave it to them), or with a short note.
    """
    passed = Q(kind=HandoffKind.PASSED)
    quick = passed & (Q(held_for__lte=rules.quick_pass) | Q(note_length__lt=rules.short_note_chars))
    bounce = bounced(rules)
    timeout = Q(kind=HandoffKind.ESCALATED)
    return {
        "passed_up": passed,
        "quick_passes": quick,
        "bounces": bounce,
        "timeouts": timeout,
        "dumped": quick | bounce | timeout,
    }


def bounced(rules: DumpingRules, ticket: str = "ticket") -> Q:
    """A pass whose ticket the next tier resolved within the bounce window.

    ``ticket`` names the relation to the moved ticket: ``_count_moves`` joins only the
    tickets that can be a bounce at all (see ``bounce_candidates``).
    """
    return Q(kind=HandoffKind.PASSED) & Q(
        **{
            f"{ticket}__tier_id": F("to_tier_id"),
            f"{ticket}__resolved_at__isnull": False,
            f"{ticket}__resolved_at__lte": F("bounce_deadline"),
        }
    )


def bounce_candidates(month: Month, rules: DumpingRules) -> FilteredRelation:
    """The moved ticket, joined only when it could have bounced this month.

    A bounced ticket was resolved after the pass (so within or after the month) and
    within the window of the pass that brought it to its last tier, which is no later
    than when it entered that tier (``tier_entered_at``): the ledger is written in time
    order. Both conditions are implied by ``bounced``; stating them lets PostgreSQL hash
    the few thousand candidates instead of every ticket.
    """
    return FilteredRelation(
        "ticket",
        condition=Q(
            ticket__resolved_at__gte=month.start,
            ticket__resolved_at__lte=F("ticket__tier_entered_at") + rules.bounce_within,
        ),
    )


def people_figures(
    month: Month,
    tiers_by_id: dict,
    department_id: int | None = None,
    rules: DumpingRules | None = None,
    *,
    resolutions: list[tuple] | None = None,
    answers: dict[tuple, tuple[int, int]] | None = None,
) -> list[PersonFigures]:
    """Every person's figures at every tier they worked at in the month, dumping flags set.

    ``resolutions`` (``resolutions_by_person_and_day``) and ``answers``
    (``answers_per_person``) are read when the caller already has them, so the month's
    resolved tickets and answers are not scanned once more for the people.
    """
    rules = rules or DumpingRules.from_settings()
    rows: dict[tuple[int, int], PersonFigures] = {}

    def row(user_id, tier_id) -> PersonFigures:
        return rows.setdefault((user_id, tier_id), PersonFigures(user_id, tier_id))

    _count_held(month, department_id, row)

    if resolutions is None:
        resolutions = resolutions_by_person_and_day(month, department_id)
    if answers is None:
        answers = answers_per_person(answer_groups(month, department_id))
    # Credited to whoever resolved the ticket, at the tier where it was resolved.
    for user_id, tier_id, _day, n in resolutions:
        if user_id is not None:
            row(user_id, tier_id).resolved += n
    for (user_id, tier_id), (responses, satisfied) in answers.items():
        if user_id is not None:
            figures = row(user_id, tier_id)
            figures.responses, figures.satisfied = responses, satisfied

    _count_moves(month, rules, department_id, row)
    people = [r for r in rows.values() if r.tier_id in tiers_by_id]
    users = get_user_model().objects.in_bulk({r.user_id for r in people})
    for person in people:
        person.user = users.get(person.user_id)
        person.tier = tiers_by_id[person.tier_id]
    flag_dumping(people, rules)
    people.sort(key=lambda p: (p.tier.department.name, p.tier.level, _name(p.user)))
    return people


# Aggregates over the month's moves, one row each (see _count_moves). Plain CASE sums, so
# the same statement runs on PostgreSQL and SQLite; the percentile is added on PostgreSQL.
MOVES_SQL = """
SELECT m.person, m.from_tier_id,
       SUM(CASE WHEN m.kind = %s THEN 1 ELSE 0 END),
       SUM(CASE WHEN m.quick THEN 1 ELSE 0 END),
       SUM(CASE WHEN m.bounced THEN 1 ELSE 0 END),
       SUM(CASE WHEN m.kind = %s THEN 1 ELSE 0 END),
       COUNT(DISTINCT CASE WHEN m.kind = %s OR m.quick OR m.bounced THEN m.ticket_id END)
       {percentile}
FROM ({moves} {fence}) m
GROUP BY m.person, m.from_tier_id
"""
MEDIAN_HELD_SQL = ", PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM m.held_for)) FILTER (WHERE m.kind = %s)"


def _count_moves(month, rules, department_id, row) -> None:
    """Count passes, quick passes, bounces, time-outs and dumped tickets per person and tier.

    The per-move facts (quick? bounced? held how long?) are computed once per move in a
    derived table, then aggregated: referring to them in several aggregates directly would
    make PostgreSQL run their subqueries once per aggregate.
    """
    conditions = metric_filters(rules)
    in_db = percentiles_in_database()
    moves = (
        moves_out(month, rules, department_id)
        .alias(candidate=bounce_candidates(month, rules))
        .annotate(
            quick=ExpressionWrapper(conditions["quick_passes"], output_field=BooleanField()),
            bounced=ExpressionWrapper(bounced(rules, "candidate"), output_field=BooleanField()),
        )
    )
    # The ticket foreign key is not nullable, so Django joins the filtered relation with an
    # INNER JOIN, which would drop every move whose ticket is no candidate: make it a LEFT
    # JOIN (promote_joins leaves non-nullable joins alone). The reference tests fail loudly
    # if a Django upgrade changes this.
    for alias, join in list(moves.query.alias_map.items()):
        if join.filtered_relation is not None:
            moves.query.alias_map[alias] = join.promote()
    columns = ["person", "from_tier_id", "ticket_id", "kind", "quick", "bounced"] + (
        ["held_for"] if in_db else []
    )
    inner_sql, inner_params = moves.values(*columns).order_by().query.sql_with_params()
    sql = MOVES_SQL.format(
        moves=inner_sql,
        # OFFSET 0 keeps PostgreSQL from inlining the derived table (and re-running its subqueries).
        fence="OFFSET 0" if in_db else "",
        percentile=MEDIAN_HELD_SQL if in_db else "",
    )
    # Placeholders in text order: the select list's, then the derived table's.
    params = [HandoffKind.PASSED, HandoffKind.ESCALATED, HandoffKind.ESCALATED]
    if in_db:
        params.append(HandoffKind.PASSED)
    params.extend(inner_params)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        results = cursor.fetchall()
    for person, tier_id, passed, quick, bounces, timeouts, dumped, *median_held in results:
        figures = row(person, tier_id)
        figures.passed_up, figures.quick_passes, figures.bounces = (
            int(passed),
            int(quick),
            int(bounces),
        )
        figures.timeouts, figures.dumped = int(timeouts), int(dumped)
        if in_db:
            figures.median_held_seconds = rounded_seconds(median_held[0])
    if not in_db:
        # SQLite: the month's passes only, one duration each (see percentiles_in_database).
        passes = moves.filter(kind=HandoffKind.PASSED).values_list(
            "person", "from_tier_id", "held_for"
        )
        for key, (middle, _p90) in group_percentiles(
            passes, lambda r: (r[0], r[1]), lambda r: r[2].total_seconds()
        ).items():
            row(*key).median_held_seconds = rounded_seconds(middle)


def flag_dumping(people: list[PersonFigures], rules: DumpingRules) -> None:
    """Mark each figure well above the median of the same tier's people this month."""
    by_tier: dict[int, list[PersonFigures]] = {}
    for person in people:
        by_tier.setdefault(person.tier_id, []).append(person)
    for colleagues in by_tier.values():
        for metric in DUMPING_METRICS:
            tier_median = median(getattr(p, metric) for p in colleagues)
            for person in colleagues:
                if rules.well_above(getattr(person, metric), tier_median):
                    person.flagged.add(metric)


def tier_medians(people: list[PersonFigures]) -> dict[int, dict[str, float]]:
    by_tier: dict[int, list[PersonFigures]] = {}
    for person in people:
        by_tier.setdefault(person.tier_id, []).append(person)
    return {
        tier_id: {m: median(getattr(p, m) for p in colleagues) for m in DUMPING_METRICS}
        for tier_id, colleagues in by_tier.items()
    }


def drill_down_ticket_ids(
    month: Month,
    user_id: int,
    tier_id: int | None,
    metric: str,
    department_id: int | None = None,
    rules: DumpingRules | None = None,
) -> QuerySet:
    """The ids of the tickets behind one person's figure (a subquery, never a Python list)."""
    rules = rules or DumpingRules.from_settings()
    if metric == "held":
        handoffs = held_handoffs(month, department_id).filter(to_owner_id=user_id)
        if tier_id:
            handoffs = handoffs.filter(to_tier_id=tier_id)
        return handoffs.values("ticket_id")
    if metric == "resolved":
        tickets = resolved_in(month, department_id).filter(resolved_by_id=user_id)
        if tier_id:
            tickets = tickets.filter(tier_id=tier_id)
        return tickets.values("id")
    if metric not in DRILL_METRICS:
        raise ValueError(metric)
    moves = (
        moves_out(month, rules, department_id)
        .filter(person=user_id)
        .filter(metric_filters(rules)[metric])
    )
    if tier_id:
        moves = moves.filter(from_tier_id=tier_id)
    return moves.values("ticket_id")


def _name(user) -> str:
    if user is None:
        return ""
    return (user.get_full_name() or user.username).lower()
