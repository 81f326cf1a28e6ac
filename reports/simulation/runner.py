"""``simulate()``: set the stage, run the engine in one transaction, and sum it up."""

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import Q
from tqdm import tqdm

from outbox import actions as outbox
from reports.months import organisation_zone
from reports.simulation.behaviour import SIMULATED_CUSTOMER_PREFIX
from reports.simulation.cast import (
    DUMPER,
    HABIT_LABELS,
    HABITS,
    LATE_RELEASER,
    MANAGER,
    PING_PONG,
    TIMEOUT_SITTER,
    choose_cast,
    give_shifts,
    read_organisation,
    staff,
)
from reports.simulation.engine import Engine
from reports.simulation.journeys import PASSED_TWICE, TIMED_OUT_TWICE
from tickets.models import Customer, Handoff, HandoffKind, Ticket

DEFAULT_CALLS_PER_DAY = 30


@dataclass
class SimulationResult:
    """What ``simulate`` did: the window, who played which habit, and how often things happened."""

    start: datetime
    end: datetime
    seed: int
    calls_per_day: float
    cast: dict[str, object]  # habit name (cast.HABITS) -> user
    summary: dict[str, int]
    # Ticket ids showing each rare shape ("timed_out_twice", "passed_twice",
    # "returning_customer", "late_survey_answer", "ping_pong_returned", "closed_by_manager",
    # "passed_by_manager", "late_release_then_time_out"), in the order they happened.
    examples: dict[str, list[int]] = field(default_factory=dict)
    agents_added: list[str] = field(default_factory=list)
    first_ticket_id: int = 1  # every ticket it opened has this id or a higher one

    def tickets(self):
        """The tickets the simulation opened."""
        return Ticket.objects.filter(pk__gte=self.first_ticket_id)


def has_simulated_history() -> bool:
    """Whether a simulation has already run on this database (its customers are marked)."""
    return Customer.objects.filter(
        external_reference__startswith=SIMULATED_CUSTOMER_PREFIX
    ).exists()


def simulate(
    start: datetime,
    days: int,
    *,
    seed: int,
    calls_per_day: float = DEFAULT_CALLS_PER_DAY,
    progress: bool = False,
    until: datetime | None = None,
) -> SimulationResult:
    """Play the organisation in the database from ``start`` for ``days`` local days.

    ``until`` stops earlier (``seed_demo`` stops at now). Everything happens in one
    transaction: a failure leaves nothing behind. The emails it queues are recorded as
    sent and never handed to a worker (``tickets.outbox.not_delivered``).
    """
    if start.tzinfo is None:
        raise ValueError("start must be an aware datetime")
    zone = organisation_zone()
    end = (start.astimezone(zone) + timedelta(days=days)).astimezone(UTC)  # local days
    if until is not None:
        end = min(end, until)
    start = start.astimezone(UTC)
    rng = random.Random(seed)
    with transaction.atomic(), outbox.not_delivered():
        added = staff(start)
        organisation = read_organisation(added)
        cast = choose_cast(organisation, rng)
        shift_workers = give_shifts(organisation, cast, rng, zone.key)
        engine = Engine(
            organisation, cast, rng, start=start, end=end, zone=zone, calls_per_day=calls_per_day
        )
        engine.shift_workers = shift_workers
        span = max((end - start).total_seconds() / 86400, 0)
        with tqdm(
            total=round(span, 2),
            unit="day",
            desc="Simulating",
            bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.1f}/{total:.1f} days [{elapsed}<{remaining}]",
            disable=None if progress else True,  # None: off when stderr is not a terminal
        ) as bar:
            engine.run(bar)
        summary = _summary(engine, cast.players, start, end)
    return SimulationResult(
        start=start,
        end=end,
        seed=seed,
        calls_per_day=calls_per_day,
        cast=dict(cast.players),
        summary=summary,
        examples=dict(engine.examples),
        agents_added=added,
        first_ticket_id=engine.first_ticket_id,
    )


SUMMARY_KEYS = [
    "opened", "resolved_on_the_call", "returning_calls", "customers", "claims", "releases",
    "late_releases", "assignments", "passes", "quick_passes", "transfers", "transfers_back",
    "escalations", "breaches", "resolved", "notes", "referrals_asked", "referrals_answered",
    "referrals_flagged_overdue", "surveys_sent", "survey_answers", "late_survey_answers",
    "timed_out_twice", "passed_twice", "dumper_quick_passes", "timeout_sitter_time_outs",
    "ping_pong_transfers", "ping_pong_sent_back", "manager_resolutions", "manager_passes",
    "moves_refused", "pauses", "customer_answers", "pauses_expired",
]  # fmt: skip


def _summary(engine: Engine, players: dict, start: datetime, end: datetime) -> dict[str, int]:
    counts = engine.counts
    counts["timed_out_twice"] = len(engine.examples.get(TIMED_OUT_TWICE, []))
    counts["passed_twice"] = len(engine.examples.get(PASSED_TWICE, []))
    # The sitter's figure comes from the ledger: the sweep, not the sitter, wrote it.
    counts["timeout_sitter_time_outs"] = Handoff.objects.filter(
        Q(kind=HandoffKind.ESCALATED) | Q(kind=HandoffKind.BREACHED),
        from_owner=players[TIMEOUT_SITTER],
        at__gte=start,
        at__lt=end,
    ).count()
    return {key: counts.get(key, 0) for key in SUMMARY_KEYS}


def _who(user) -> str:
    name = user.get_full_name()
    return f"{user.username} ({name})" if name else user.username


def format_summary(result: SimulationResult) -> list[str]:
    """The summary as lines of text, for the commands."""
    s = result.summary
    zone = organisation_zone()
    start, end = (t.astimezone(zone).strftime("%Y-%m-%d %H:%M") for t in (result.start, result.end))
    lines = [
        f"Simulated {start} to {end} ({zone.key}), seed {result.seed}, "
        f"about {result.calls_per_day:g} calls a weekday.",
        f"  Tickets opened {s['opened']} ({s['resolved_on_the_call']} resolved on the call, "
        f"{s['returning_calls']} by returning customers); {s['customers']} new customers.",
        f"  Claims {s['claims']}, releases {s['releases']} ({s['late_releases']} late), "
        f"assignments {s['assignments']}.",
        f"  Passes {s['passes']} ({s['quick_passes']} within 15 min), transfers {s['transfers']} "
        f"(+{s['transfers_back']} sent back), escalations {s['escalations']}, breaches {s['breaches']}.",
        f"  Resolved {s['resolved']}, notes {s['notes']}; referrals asked {s['referrals_asked']}, "
        f"answered {s['referrals_answered']}, flagged overdue {s['referrals_flagged_overdue']}.",
        f"  Surveys sent {s['surveys_sent']}, answered {s['survey_answers']} "
        f"({s['late_survey_answers']} in a later month than the resolution).",
        f"  Timed out twice at tier 1: {s['timed_out_twice']}; passed up twice: {s['passed_twice']}.",
    ]
    if result.agents_added:
        lines.append(f"  Simulated people added: {', '.join(result.agents_added)}.")
    signature = {
        DUMPER: f"{s['dumper_quick_passes']} passes within 15 min",
        LATE_RELEASER: f"{s['late_releases']} late releases",
        TIMEOUT_SITTER: f"{s['timeout_sitter_time_outs']} time-outs",
        PING_PONG: f"{s['ping_pong_transfers']} thin transfers, {s['ping_pong_sent_back']} sent back",
        MANAGER: f"{s['manager_resolutions']} resolved, {s['manager_passes']} passed up",
    }
    lines.append("  Who played which habit:")
    width = max(len(label) for label in HABIT_LABELS.values())
    for habit in HABITS:
        lines.append(
            f"    {HABIT_LABELS[habit].ljust(width)}  {_who(result.cast[habit])}: {signature[habit]}"
        )
    return lines
