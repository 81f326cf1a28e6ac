"""What each person did in a month, and the dumping report (docs/metrics.md, "People").

A person's figures are kept per tier (where the ticket was when they acted), because the
dumping report compares people with the same tier's agents. Every count is of distinct
tickets; each is a condition on one source, and ``person_tickets`` filters the same source
by the same condition for the drill-down.
"""

import operator
from dataclasses import dataclass, field
from functools import reduce

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Length

from core import display
from reports.metrics.aggregates import (
    PercentileDisc,
    group_percentiles,
    grouped_counts,
    percentiles_in_database,
    whole_seconds,
)
from reports.metrics.flow import TIMED_OUT, open_at, state_at
from reports.metrics.highlight import HIGHLIGHTED, highlight, manager_ids, tier_medians
from reports.metrics.pauses import (
    PAUSE_ENDS,
    PAUSE_KINDS,
    count_paused_hours,
    pause_conditions,
    pauser,
)
from reports.metrics.scope import ReportScope
from tickets.models import Handoff, HandoffKind, Holding, Ticket
from tickets.responsibility import late_release_condition

# The figures a person can be highlighted for are ``highlight.HIGHLIGHTED``; bounces, thin
# moves and time-outs that ran out off shift are only shown.
__all__ = ["HIGHLIGHTED", "manager_ids", "tier_medians"]
DUMPING_SIGNS = (
    "quick_passes",
    "thin_passes",
    "timeouts",
    "off_shift_timeouts",
    "late_releases",
    "late_pauses",
    "pauses_past_limit",
    "thin_transfers",
    "returned_transfers",
    "bounces",
)
# Waiting on the customer, in the People table (Pauses past the limit is in both tables).
# ``paused_hours`` counts the tickets behind Paused hours (their links); the hours
# themselves are ``paused_seconds``.
PAUSE_FIGURES = ("pauses", "paused_hours")
MOVE_FIGURES = ("passed_up", *PAUSE_FIGURES, *DUMPING_SIGNS, "dumped")
RESOLUTION_FIGURES = ("resolved", "came_back", "resolved_for_good", "responses")
PERSON_FIGURES = ("held", *RESOLUTION_FIGURES, "held_responses", *MOVE_FIGURES)


@dataclass
class PersonFigures:
    user_id: int
    tier_id: int
    user: object = None
    tier: object = None
    held: int = 0
    resolved: int = 0
    came_back: int = 0
    passed_up: int = 0
    quick_passes: int = 0
    thin_passes: int = 0
    timeouts: int = 0
    off_shift_timeouts: int = 0
    late_releases: int = 0
    pauses: int = 0
    paused_hours: int = 0  # the tickets whose pauses it adds up
    paused_seconds: int = 0  # Paused hours, in whole seconds
    late_pauses: int = 0
    pauses_past_limit: int = 0
    thin_transfers: int = 0
    returned_transfers: int = 0
    bounces: int = 0
    dumped: int = 0
    median_held_seconds: int | None = None
    responses: int = 0
    satisfied: int = 0
    held_responses: int = 0
    held_satisfied: int = 0
    is_manager: bool = False
    flagged: set = field(default_factory=set)

    @property
    def resolved_for_good(self) -> int:
        return self.resolved - self.came_back

    @property
    def satisfied_share(self) -> float | None:
        return self.satisfied / self.responses if self.responses else None

    @property
    def held_satisfied_share(self) -> float | None:
        return self.held_satisfied / self.held_responses if self.held_responses else None

    @property
    def dumped_share(self) -> float | None:
        """Dumped tickets as a share of the tickets held."""
        return self.dumped / self.held if self.held else None

    @property
    def is_flagged(self) -> bool:
        return bool(self.flagged)

    @property
    def shows_dumping(self) -> bool:
        return any(getattr(self, sign) for sign in DUMPING_SIGNS)

    def has_figures(self) -> bool:
        return any(getattr(self, name) for name in PERSON_FIGURES)


# --- the sources ----------------------------------------------------------------------


def person_moves(scope: ReportScope) -> QuerySet[Handoff]:
    """The month's passes, time-outs, releases and transfers, each with the person it counts for.

    ``person`` is whoever made the move, or for a time-out whom the sweep charged it to
    (``charged_to``, stored with the entry). Moves count at the tier and department they
    left.
    """
    rules = scope.rules
    returned = Handoff.objects.filter(
        ticket_id=OuterRef("ticket_id"),
        kind=HandoffKind.TRANSFERRED,
        from_department_id=OuterRef("to_department_id"),
        to_department_id=OuterRef("from_department_id"),
        id__gt=OuterRef("id"),
        at__lte=ExpressionWrapper(
            OuterRef("at") + rules.returned_within, output_field=DateTimeField()
        ),
    ).filter(scope.recorded("at"))
    rows = (
        Handoff.objects.filter(
            at__gte=scope.start,
            at__lt=scope.end,
            kind__in=[
                HandoffKind.PASSED,
                HandoffKind.RELEASED,
                HandoffKind.TRANSFERRED,
                *TIMED_OUT,
                *PAUSE_KINDS,
            ],
        )
        .annotate(
            person=Case(
                # Entries written before the ledger stored its facts (tickets/0005) have no
                # charge: their time-out stays with whoever owned the ticket then.
                When(kind__in=TIMED_OUT, tier_time__isnull=True, then=F("from_owner_id")),
                When(kind__in=TIMED_OUT, then=F("charged_to_id")),
                # A pause's end counts for whoever made the pause.
                When(kind__in=PAUSE_ENDS, then=pauser()),
                default=F("actor_id"),
                output_field=IntegerField(),
            ),
            # Likewise their held-for time is the time since the previous entry.
            held=Case(
                When(tier_time__isnull=True, then=F("since_previous")),
                default=F("held_for"),
                output_field=DurationField(),
            ),
            note_length=Length("note"),
            returned=Case(
                When(kind=HandoffKind.TRANSFERRED, then=Exists(returned)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            bounce_deadline=ExpressionWrapper(
                F("at") + rules.bounce_within, output_field=DateTimeField()
            ),
        )
        .filter(person__isnull=False)
    )
    if scope.department_id:
        rows = rows.filter(from_department_id=scope.department_id)
    return rows


def move_conditions(scope: ReportScope) -> dict[str, Q]:
    """The condition on ``person_moves`` rows behind each of a person's move figures."""
    rules = scope.rules
    passed = Q(kind=HandoffKind.PASSED)
    owned = Q(actor_id=F("from_owner_id"))
    quick = passed & owned & Q(held__lte=rules.quick_pass)
    timeout = Q(kind__in=TIMED_OUT)
    # Ran out while the person charged was off shift (stored by the sweep): shown on its own.
    off_shift = timeout & Q(off_shift=True)
    late = late_release_condition()
    returned = Q(kind=HandoffKind.TRANSFERRED, returned=True) & owned
    # One look-up of the passed ticket per pass, rather than joining every ticket to every
    # move of the month (a scan of the whole ticket table) for this one column.
    bounced = Ticket.objects.filter(
        pk=OuterRef("ticket_id"),
        tier_id=OuterRef("to_tier_id"),
        resolved_at__isnull=False,
        resolved_at__lte=OuterRef("bounce_deadline"),
    ).filter(scope.recorded("resolved_at"))
    bounce = passed & Q(Exists(bounced))
    conditions = {
        "passed_up": passed,
        "quick_passes": quick,
        "thin_passes": passed & Q(note_length__lt=rules.short_note_chars),
        "timeouts": timeout & ~Q(off_shift=True),
        "off_shift_timeouts": off_shift,
        "late_releases": late,
        "thin_transfers": Q(kind=HandoffKind.TRANSFERRED, note_length__lt=rules.short_note_chars),
        "returned_transfers": returned,
        "bounces": bounce,
        **pause_conditions(scope),
    }
    # Dumped: any of the signs a person can be highlighted for.
    conditions["dumped"] = reduce(operator.or_, (conditions[name] for name in HIGHLIGHTED))
    return conditions


def passes_held(scope: ReportScope) -> QuerySet[Handoff]:
    """Passes of tickets the passer owned: the ones with a *held for* time."""
    return person_moves(scope).filter(
        kind=HandoffKind.PASSED, actor_id=F("from_owner_id"), held__isnull=False
    )


def received_in_month(scope: ReportScope) -> QuerySet[Handoff]:
    """Entries of the month that gave someone a ticket (or found them owning it)."""
    rows = (
        Handoff.objects.filter(
            at__gte=scope.start, at__lt=scope.end, to_owner_id__isnull=False
        )
        .exclude(kind=HandoffKind.RESOLVED)
        .annotate(person=F("to_owner_id"), tier_key=F("to_tier_id"))
    )
    if scope.department_id:
        rows = rows.filter(to_department_id=scope.department_id)
    return rows


def owned_at_start(scope: ReportScope) -> QuerySet[Ticket]:
    """Tickets open at the month's first instant, with whoever owned them then and where."""
    rows = (
        open_at(scope.start)
        .annotate(
            person=state_at(scope.start, "to_owner_id", "owner_id"),
            tier_key=state_at(scope.start, "to_tier_id", "tier_id"),
            department_then=state_at(scope.start, "to_department_id", "department_id"),
        )
        .filter(person__isnull=False)
    )
    if scope.department_id:
        rows = rows.filter(department_then=scope.department_id)
    return rows


# The held tickets, distinct over both sources: UNION keeps each (ticket, person, tier)
# once, so a plain COUNT counts tickets (a hash, where COUNT(DISTINCT) sorted ~140,000 rows
# at 60,000 tickets a month). No parentheses around the two parts: SQLite refuses them in a
# compound SELECT.
HELD_SQL = """
SELECT held.person, held.tier_key, COUNT(*)
FROM ({received} UNION {at_start}) held
GROUP BY held.person, held.tier_key
"""


def _count_held(scope: ReportScope, row) -> None:
    received_sql, received_params = (
        received_in_month(scope).values("ticket_id", "person", "tier_key").order_by()
        .query.sql_with_params()
    )
    start_sql, start_params = (
        owned_at_start(scope).values("id", "person", "tier_key").order_by()
        .query.sql_with_params()
    )
    with connection.cursor() as cursor:
        cursor.execute(
            HELD_SQL.format(received=received_sql, at_start=start_sql),
            [*received_params, *start_params],
        )
        for person, tier_id, n in cursor.fetchall():
            row(person, tier_id).held = n


def held_satisfaction(scope: ReportScope, answers: QuerySet) -> QuerySet[Holding]:
    """Holdings of the month's answered tickets: everyone who held each at any point."""
    return Holding.objects.filter(ticket_id__in=answers.values("ticket_id"))


def _count_held_answers(answers: QuerySet, row) -> None:
    """Per holder and tier, the month's answered tickets they held and the satisfied ones.

    ``held_satisfaction`` counted from the answers' side: one pass over the answers with
    their tickets' holdings, rather than the holdings of a list of tickets joined back to
    the tickets and their answers.
    """
    holdings = (
        answers.values(owner_id=F("ticket__holdings__owner_id"), tier_id=F("ticket__holdings__tier_id"))
        .annotate(
            n=Count("ticket_id", distinct=True),
            ok=Count("ticket_id", distinct=True, filter=Q(rating__gte=4)),
        )
        .order_by()
    )
    for h in holdings:
        if h["owner_id"] is None:  # answered tickets nobody held (the join found no holding)
            continue
        figures = row(h["owner_id"], h["tier_id"])
        figures.held_responses, figures.held_satisfied = h["n"], h["ok"]


# --- the figures ----------------------------------------------------------------------


def people_figures(
    scope: ReportScope,
    tiers_by_id: dict,
    *,
    resolutions: dict[tuple, dict],
    answers: dict[tuple, tuple[int, int]],
    answered: QuerySet,
) -> list[PersonFigures]:
    """Every person's figures at every tier they worked at in the month, highlights set.

    ``resolutions`` is {(resolver, tier): {"resolved": n, "came_back": n}} and ``answers``
    {(resolver, tier): (answers, satisfied)}, which the caller reads once for several uses;
    ``answered`` is the month's survey answers (a queryset).
    """
    rows: dict[tuple[int, int], PersonFigures] = {}

    def row(user_id, tier_id) -> PersonFigures:
        return rows.setdefault((user_id, tier_id), PersonFigures(user_id, tier_id))

    _count_held(scope, row)
    for (user_id, tier_id), counts in resolutions.items():
        if user_id is not None:
            figures = row(user_id, tier_id)
            figures.resolved, figures.came_back = counts["resolved"], counts["came_back"]
    for (user_id, tier_id), (responses, satisfied) in answers.items():
        if user_id is not None:
            figures = row(user_id, tier_id)
            figures.responses, figures.satisfied = responses, satisfied
    _count_held_answers(answered, row)
    _count_moves(scope, row)

    people = [
        r
        for r in rows.values()
        if r.tier_id in tiers_by_id
        and r.has_figures()
        and scope.department_id in (None, tiers_by_id[r.tier_id].department_id)
    ]
    users = get_user_model().objects.in_bulk({r.user_id for r in people})
    managers = manager_ids()
    for person in people:
        person.user = users.get(person.user_id)
        person.tier = tiers_by_id[person.tier_id]
        person.is_manager = person.user_id in managers
    highlight(people, scope.rules)
    people.sort(key=lambda p: (p.tier.department.name, p.tier.level, _name(p.user)))
    return people


def _count_moves(scope: ReportScope, row) -> None:
    """Each person's move figures (distinct tickets), then the median held before passing.

    The counts come from one pass over the month's moves (``grouped_counts``); "dumped" is
    a ticket with any of the highlighted signs, as in ``move_conditions``. The median is
    over passes, not tickets (two passes of one ticket are two values), so it is its own
    aggregate over the passes with a held-for time.
    """
    conditions = move_conditions(scope)
    signs = {name: c for name, c in conditions.items() if name != "dumped"}
    counts = grouped_counts(
        person_moves(scope),
        {"person": ("person", "from_tier_id")},
        signs,
        distinct="ticket_id",
        any_of={"dumped": HIGHLIGHTED},
    )
    for r in counts["person"]:
        figures = row(r["person"], r["from_tier_id"])
        for name in signs:
            setattr(figures, name, r[name])
        figures.dumped = r["dumped"]
    count_paused_hours(person_moves(scope), row)
    passes = passes_held(scope)
    if percentiles_in_database():
        medians = passes.values("person", "from_tier_id").annotate(m=PercentileDisc("held", 0.5))
        for r in medians.order_by():
            row(r["person"], r["from_tier_id"]).median_held_seconds = whole_seconds(r["m"])
    else:
        rows = passes.values_list("person", "from_tier_id", "held")
        for key, (middle, _p90) in group_percentiles(
            rows, lambda r: (r[0], r[1]), lambda r: r[2]
        ).items():
            row(*key).median_held_seconds = whole_seconds(middle)


# --- the drill-down -------------------------------------------------------------------


def person_tickets(
    scope: ReportScope, user_id: int, tier_id: int, figure: str, resolved: QuerySet
) -> QuerySet:
    """The ids of the tickets behind one of a person's figures (a subquery).

    ``resolved`` is the month's resolutions (``flow.resolutions``), with ``came_back``.
    """
    if figure == "held":
        received = received_in_month(scope).filter(person=user_id, tier_key=tier_id)
        at_start = owned_at_start(scope).filter(person=user_id, tier_key=tier_id)
        # A UNION of the two lists, not an OR of two IN tests: PostgreSQL sized the OR at most
        # of the ticket table and read all of it (seconds at 1,000,000 tickets).
        return received.values("ticket_id").order_by().union(at_start.values("id").order_by())
    if figure in RESOLUTION_FIGURES:
        mine = resolved.filter(resolved_by_id=user_id, tier_id=tier_id)
        if figure == "came_back":
            mine = mine.filter(came_back=True)
        elif figure == "resolved_for_good":
            mine = mine.filter(came_back=False)
        elif figure == "responses":
            mine = mine.filter(survey_response__isnull=False).filter(
                scope.recorded("survey_response__answered_at")
            )
        return mine.values("id")
    if figure == "held_responses":
        raise ValueError("held_responses needs the month's answers: see drill.py")
    if figure in MOVE_FIGURES:
        return (
            person_moves(scope)
            .filter(person=user_id, from_tier_id=tier_id)
            .filter(move_conditions(scope)[figure])
            .values("ticket_id")
        )
    raise ValueError(figure)


def _name(user) -> str:
    if user is None:
        return ""
    return display.person(user).lower()
