"""The reference implementation of every monthly figure: the handoff ledger replayed in Python.

Used only by tests. Written from the text of ``docs/metrics.md`` alone, without reading the
SQL in ``reports.metrics``, so that a test comparing the two catches a mistake on either side.
Every count is kept as the set of ticket ids behind it; the counts are the sets' sizes.

Recorded facts read from a ledger entry when present: ``tier_time`` of a release (late
releases) and ``due_at`` (the deadline in force at the tier the entry left, or an opening's
new deadline); for older entries a time-out's deadline is ``at - sweep_lateness`` and any
other is replayed from the entry into the tier plus the tier's ``resolve_within``.
*Held for* and whom a time-out is charged to are always recomputed from the sequence of
entries, never read from ``held_for`` / ``charged_to``: the tests use this replay to check them.
Likewise whether a time-out ran out off shift is recomputed from the calendars (the charged
person's shifts in the department, else the department's; an independent wall-clock check
written from docs/working-time.md), never read from ``off_shift``. A pause's ``time_left``,
``tier_time`` and its end's ``paused_for`` are read as stored.

Public API::

    rules = Rules.from_settings()
    ledger = Ledger()
    figures = compute(ledger, Month(2026, 10), department_id=None, rules=rules, as_of=None)
    facts = entry_facts(ledger, as_of=None)  # {handoff id: EntryFacts}

The replay of the ledger (rules, ledger, journeys, entry facts) is in
tests/reports/reference/replay.py; this package computes the month's figures from it.
"""


import statistics
from collections import defaultdict
from datetime import datetime, timedelta

from tests.reports.reference.replay import (
    DUMPING,
    ENTERS_A_TIER,
    FLOW_COUNTS,
    HIGHLIGHTED,
    PERSON_COUNTS,
    ROW_COUNTS,
    TIMEOUTS,
    EntryFacts,
    Ledger,
    Rules,
    came_back,
    entry_facts,
    nearest_rank,
    seconds,
    time_bucket,
)

# The public API (the names the tests use), re-exported from the replay.
__all__ = [
    "FLOW_COUNTS",
    "PERSON_COUNTS",
    "ROW_COUNTS",
    "EntryFacts",
    "Ledger",
    "Rules",
    "compute",
    "entry_facts",
    "nearest_rank",
]


# --- the month's figures ----------------------------------------------------------------


def compute(
    ledger: Ledger,
    month,
    *,
    department_id: int | None = None,
    rules: Rules | None = None,
    as_of: datetime | None = None,
) -> dict:
    rules = rules or Rules.from_settings()
    start, end = month.start, month.end

    def in_month(instant):
        return start <= instant < end

    journeys = ledger.journeys(as_of, rules)

    tiers = {
        tid: t
        for tid, t in ledger.tiers.items()
        if department_id is None or t.department_id == department_id
    }
    tier_sets = {tid: {name: set() for name in FLOW_COUNTS} for tid in tiers}
    durations = {}  # ticket id -> seconds to resolve, for the month's resolutions in scope
    people = defaultdict(
        lambda: {name: set() for name in PERSON_COUNTS} | {"held_for": [], "paused_for": []}
    )
    people_ok = defaultdict(lambda: {"satisfied": 0, "held_satisfied": 0})

    for ticket_id, journey in journeys.items():
        ticket = journey.ticket
        entries = journey.entries
        # Openings, at the tier the ticket entered.
        opening = entries[0]
        if in_month(opening.at) and opening.to_tier_id in tiers:
            tier_sets[opening.to_tier_id]["opened"].add(ticket_id)

        # Held: an ownership given in the month, or in force at its first instant.
        for holding in journey.holdings:
            if holding.tier not in tiers:
                continue
            given_in_month = in_month(holding.start)
            owned_at_start = holding.start < start and (holding.end is None or holding.end > start)
            if given_in_month or owned_at_start:
                people[(holding.owner, holding.tier)]["held"].add(ticket_id)

        # The moves of the month, at the tier they left.
        for i, facts in enumerate(journey.facts):
            h = facts.handoff
            if not in_month(h.at) or h.kind in ("opened", "resolved"):
                continue
            tier_id = h.from_tier_id
            if tier_id not in tiers:
                continue
            row = tier_sets[tier_id]
            if h.kind == "passed":
                row["passed_up"].add(ticket_id)
                _pass(people[(h.actor_id, tier_id)], journey, i, facts, rules)
            elif h.kind in TIMEOUTS:
                row["escalated" if h.kind == "escalated" else "breached"].add(ticket_id)
                if facts.charged_to is None:
                    row["unowned_timeouts"].add(ticket_id)
                elif facts.off_shift:
                    people[(facts.charged_to, tier_id)]["off_shift_timeouts"].add(ticket_id)
                else:
                    people[(facts.charged_to, tier_id)]["timeouts"].add(ticket_id)
            elif h.kind == "paused":
                person = people[(h.actor_id, tier_id)]
                person["pauses"].add(ticket_id)
                if (
                    h.time_left is not None
                    and h.tier_time is not None
                    and h.time_left <= rules.late_release_share * h.tier_time
                ):
                    person["late_pauses"].add(ticket_id)
            elif h.kind in ("resumed", "pause_expired"):
                # Counted for whoever made the pause this entry ends.
                pauser = next(x.actor_id for x in reversed(entries[:i]) if x.kind == "paused")
                person = people[(pauser, tier_id)]
                person["paused_hours"].add(ticket_id)
                if h.paused_for is not None:
                    person["paused_for"].append(h.paused_for)
                if h.kind == "pause_expired":
                    person["pauses_past_limit"].add(ticket_id)
            elif h.kind == "released":
                if facts.late_release:
                    people[(h.actor_id, tier_id)]["late_releases"].add(ticket_id)
            elif h.kind == "transferred":
                person = people[(h.actor_id, tier_id)]
                if len(h.note) < rules.short_note_chars:
                    person["thin_transfers"].add(ticket_id)
                if facts.owner_before == h.actor_id and _returned(journey, i, rules):
                    person["returned_transfers"].add(ticket_id)

        # The month's resolution, at the tier where it happened.
        r = journey.resolution
        if r is None or not in_month(r.at):
            continue
        journey.came_back = came_back(ledger, journey, rules, as_of)
        response = ledger.response(ticket_id, as_of)
        # Satisfied (held): everyone who held it at a tier in scope, in any month.
        if response is not None:
            for owner, tier_id in {(x.owner, x.tier) for x in journey.holdings}:
                if tier_id in tiers:
                    people[(owner, tier_id)]["held_responses"].add(ticket_id)
                    people_ok[(owner, tier_id)]["held_satisfied"] += response.rating >= 4
        if r.to_tier_id not in tiers:
            continue
        row = tier_sets[r.to_tier_id]
        row["resolved"].add(ticket_id)
        if r.at < ticket.due_at:
            row["resolved_within"].add(ticket_id)
        if ticket.resolved_on_first_call:
            row["first_call"].add(ticket_id)
        if journey.came_back:
            row["came_back"].add(ticket_id)
        durations[ticket_id] = seconds(r.at - journey.opened_at)
        person = people[(r.actor_id, r.to_tier_id)]
        person["resolved"].add(ticket_id)
        if journey.came_back:
            person["came_back"].add(ticket_id)
        if response is not None:
            person["responses"].add(ticket_id)
            people_ok[(r.actor_id, r.to_tier_id)]["satisfied"] += response.rating >= 4

    # Backlog at month end: open at its last instant, at the tier the ledger had them at.
    for ticket_id, journey in journeys.items():
        state = _state_before(journey, end)
        if state is not None and state.kind != "resolved" and state.to_tier_id in tiers:
            tier_sets[state.to_tier_id]["backlog"].add(ticket_id)

    figures = {
        "flow": _flow(ledger, tiers, tier_sets, durations),
        "people": _people(ledger, people, people_ok, rules),
        "satisfaction": _satisfaction(ledger, journeys, in_month, department_id, as_of),
        "days": None,
        "sets": {},
    }
    days, day_sets = _days(journeys, month, department_id)
    figures["days"] = days
    sets = figures["sets"]
    sets.update(day_sets)
    for tier_id, row in tier_sets.items():
        for name, ids in row.items():
            sets[f"flow:tier:{tier_id}:{name}"] = set(ids)
    for dept_id, row in figures["flow"].pop("_department_sets").items():
        for name, ids in row.items():
            sets[f"flow:department:{dept_id}:{name}"] = ids
    for name, ids in figures["flow"].pop("_organisation_sets").items():
        sets[f"flow:organisation:{name}"] = ids
    for (user_id, tier_id), row in figures["people"].pop("_sets").items():
        for name, ids in row.items():
            sets[f"person:{user_id}:{tier_id}:{name}"] = ids
    return figures


def _pass(person, journey, i, facts, rules) -> None:
    """A pass by ``person`` (its actor): passed up, thin, quick (when owned), bounce."""
    h = facts.handoff
    ticket_id = journey.ticket.pk
    person["passed_up"].add(ticket_id)
    if len(h.note) < rules.short_note_chars:
        person["thin_passes"].add(ticket_id)
    if facts.mover_held_for is not None:
        person["held_for"].append(seconds(facts.mover_held_for))
        if facts.mover_held_for <= rules.quick_pass:
            person["quick_passes"].add(ticket_id)
    # Bounce: the next tier resolved it within N minutes of the pass, without moving it further.
    r = journey.resolution
    if r is None or r.to_tier_id != h.to_tier_id or r.at - h.at > rules.bounce_within:
        return
    between = journey.entries[i + 1 : journey.entries.index(r)]
    if not any(x.kind in ENTERS_A_TIER for x in between):
        person["bounces"].add(ticket_id)


def _returned(journey, i, rules) -> bool:
    """The department it was transferred to transferred it back within N hours."""
    h = journey.entries[i]
    for later in journey.entries[i + 1 :]:
        if later.kind == "transferred":
            return (
                later.to_department_id == h.from_department_id
                and later.at - h.at <= rules.returned_within
            )
    return False


def _state_before(journey, instant):
    """The ticket's last entry before ``instant`` (None: not opened yet)."""
    state = None
    for h in journey.entries:
        if h.at < instant:
            state = h
        else:
            break
    return state


def _flow_figures(sets, durations) -> dict:
    values = [durations[t] for t in sets["resolved"]]
    return {
        **{name: len(ids) for name, ids in sets.items()},
        "median": nearest_rank(values, 1, 2),
        "p90": nearest_rank(values, 9, 10),
    }


def _flow(ledger, tiers, tier_sets, durations) -> dict:
    dept_sets = {}
    org_sets = {name: set() for name in FLOW_COUNTS}
    for tier_id, row in tier_sets.items():
        dept = dept_sets.setdefault(
            tiers[tier_id].department_id, {name: set() for name in FLOW_COUNTS}
        )
        for name, ids in row.items():
            dept[name] |= ids
            org_sets[name] |= ids
    return {
        "tiers": {tid: _flow_figures(row, durations) for tid, row in tier_sets.items()},
        "departments": {did: _flow_figures(row, durations) for did, row in dept_sets.items()},
        "organisation": _flow_figures(org_sets, durations),
        "_department_sets": dept_sets,
        "_organisation_sets": org_sets,
    }


def _people(ledger, people, people_ok, rules) -> dict:
    result = {}
    row_sets = {}
    for key, row in people.items():
        if key[0] is None or not any(row[name] for name in ROW_COUNTS):
            continue
        row["resolved_for_good"] = row["resolved"] - row["came_back"]
        row["dumped"] = set().union(*(row[name] for name in DUMPING))
        sets = {name: row[name] for name in PERSON_COUNTS}
        row_sets[key] = sets
        result[key] = {
            **{name: len(ids) for name, ids in sets.items()},
            "median_held": nearest_rank(row["held_for"], 1, 2),
            "paused_seconds": seconds(sum(row["paused_for"], timedelta(0))),
            "satisfied": people_ok[key]["satisfied"],
            "held_satisfied": people_ok[key]["held_satisfied"],
            "flagged": set(),
        }
    by_tier = defaultdict(list)
    for (user_id, tier_id), row in result.items():
        by_tier[tier_id].append((user_id, row))
    for rows in by_tier.values():
        peers = [
            row
            for user_id, row in rows
            if user_id not in ledger.managers and row["held"] >= rules.dumping_min_held
        ]
        for metric in HIGHLIGHTED:
            middle = statistics.median(r[metric] for r in peers) if peers else 0
            for _user_id, row in rows:
                if (
                    row[metric] >= rules.dumping_min_events
                    and row[metric] >= rules.dumping_factor * middle
                ):
                    row["flagged"].add(metric)
    result["_sets"] = row_sets
    return result


def _satisfaction(ledger, journeys, in_month, department_id, as_of) -> dict:
    dims = {
        name: defaultdict(lambda: [0, 0])
        for name in (
            "department",
            "tier",
            "person",
            "category",
            "channel",
            "handoffs",
            "tiers_visited",
            "time_to_resolve",
        )
    }
    reasons = defaultdict(int)
    overall = [0, 0]
    comments = 0
    for ticket_id, journey in journeys.items():
        r = journey.resolution
        if r is None or not in_month(r.at):
            continue
        if department_id is not None and r.to_department_id != department_id:
            continue
        response = ledger.response(ticket_id, as_of)
        if response is None:
            continue
        ticket = journey.ticket
        ok = response.rating >= 4
        keys = {
            "department": r.to_department_id,
            "tier": r.to_tier_id,
            "person": r.actor_id,
            "category": ticket.category.name if ticket.category_id else None,
            "channel": ticket.channel,
            "handoffs": min(journey.changes_of_hands(), 5),
            "tiers_visited": min(journey.tiers_visited(), 4),
            "time_to_resolve": time_bucket(r.at - journey.opened_at),
        }
        for dim, key in keys.items():
            dims[dim][key][0] += 1
            dims[dim][key][1] += ok
        overall[0] += 1
        overall[1] += ok
        comments += bool(response.comment)
        for reason in response.reasons:
            reasons[reason] += 1
    return {
        "overall": tuple(overall),
        "reasons": {k: n for k, n in reasons.items() if n},
        "comments": comments,
        **{dim: {k: tuple(v) for k, v in values.items()} for dim, values in dims.items()},
    }


def _days(journeys, month, department_id):
    days = month.days()
    day_ends = month.day_ends()
    day_starts = [month.start, *day_ends[:-1]]
    resolved = [set() for _ in days]
    backlog = [set() for _ in days]
    for ticket_id, journey in journeys.items():
        r = journey.resolution
        if r is not None and (department_id is None or r.to_department_id == department_id):
            for n, (day_start, day_end) in enumerate(zip(day_starts, day_ends, strict=True)):
                if day_start <= r.at < day_end:
                    resolved[n].add(ticket_id)
                    break
        # The ledger's state at each day's end instant: its last entry before that instant.
        entries = journey.entries
        i, state = 0, None
        for n, day_end in enumerate(day_ends):
            while i < len(entries) and entries[i].at < day_end:
                state = entries[i]
                i += 1
            if state is None or state.kind == "resolved":
                continue
            if department_id is None or state.to_department_id == department_id:
                backlog[n].add(ticket_id)
    sets = {}
    for n, day in enumerate(days):
        sets[f"day:{day.isoformat()}:resolved"] = resolved[n]
        sets[f"day:{day.isoformat()}:backlog"] = backlog[n]
    return {"resolved": [len(s) for s in resolved], "backlog": [len(s) for s in backlog]}, sets
