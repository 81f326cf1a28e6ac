"""The reference implementation of every monthly figure: the handoff ledger replayed in Python.

Used only by tests. It loads every ticket, handoff and survey answer and recomputes the
dashboard's figures from their definitions, without any of the SQL in reports.metrics,
so the tests can assert that the database's aggregates say exactly the same.
"""

import math
from collections import defaultdict
from datetime import datetime, timedelta
from statistics import median as stat_median
from zoneinfo import ZoneInfo

from django.conf import settings

from departments.models import Tier
from reports.models import SurveyResponse
from tickets.models import Handoff, Ticket

NOT_A_HANDOFF = {"opened", "resolved", "breached"}
TIME_BOUNDS = [timedelta(hours=1), timedelta(hours=4), timedelta(hours=20), timedelta(hours=48)]
FLOW = (
    "opened",
    "resolved",
    "passed_up",
    "escalated",
    "breached",
    "resolved_within",
    "backlog",
    "first_call",
)


def pct(values, fraction):
    """percentile_cont, written out: linear interpolation between the closest ranks."""
    if not values:
        return None
    values = sorted(values)
    pos = fraction * (len(values) - 1)
    lo = math.floor(pos)
    hi = math.ceil(pos)
    value = values[lo] + (values[hi] - values[lo]) * (pos - lo)
    return round(value)


class Ledger:
    """Every ticket with its handoffs (in ledger order) and its survey answer."""

    def __init__(self):
        self.tickets = {t.pk: t for t in Ticket.objects.all()}
        self.handoffs = defaultdict(list)
        for h in Handoff.objects.order_by("id"):
            self.handoffs[h.ticket_id].append(h)
        self.responses = {r.ticket_id: r for r in SurveyResponse.objects.all()}
        self.tiers = {t.pk: t for t in Tier.objects.all()}


def local_days(month_start: datetime, month_end: datetime):
    zone = ZoneInfo(settings.TIERDESK_TIME_ZONE)
    first = month_start.astimezone(zone).date()
    days = []
    day = first
    while True:
        # Midnight of the next local day, whatever the day's length.
        next_day = (
            datetime(day.year, day.month, day.day, 12, tzinfo=zone) + timedelta(days=1)
        ).date()
        end = datetime(next_day.year, next_day.month, next_day.day, tzinfo=zone)
        days.append((day, end))
        if end >= month_end:
            return days
        day = next_day


def compute(ledger: Ledger, start: datetime, end: datetime, department_id=None, rules=None) -> dict:
    def in_month(t):
        return start <= t < end

    tiers = {
        tid: t
        for tid, t in ledger.tiers.items()
        if not department_id or t.department_id == department_id
    }
    flow = {tid: dict.fromkeys(FLOW, 0) for tid in tiers}
    durations = defaultdict(list)  # ("tier", id) / ("dept", id) / ("org",) -> seconds
    people = {}

    def person(user_id, tier_id):
        return people.setdefault(
            (user_id, tier_id),
            {
                "held": set(),
                "resolved": 0,
                "passed_up": 0,
                "timeouts": 0,
                "quick_passes": 0,
                "bounces": 0,
                "dumped": set(),
                "held_for": [],
                "responses": 0,
                "satisfied": 0,
            },
        )

    for ticket_id, handoffs in ledger.handoffs.items():
        ticket = ledger.tickets[ticket_id]
        for i, h in enumerate(handoffs):
            nxt = handoffs[i + 1] if i + 1 < len(handoffs) else None
            # Flow counts: openings where they entered, other moves where they left.
            if in_month(h.at):
                tier_id = h.to_tier_id if h.kind == "opened" else h.from_tier_id
                key = {
                    "opened": "opened",
                    "passed": "passed_up",
                    "escalated": "escalated",
                    "breached": "breached",
                }
                if h.kind in key and tier_id in tiers:
                    flow[tier_id][key[h.kind]] += 1
            # Held: an ownership that began in the month, or was in force at its first instant.
            if h.to_owner_id and h.kind != "resolved" and h.to_tier_id in tiers:
                began_in_month = in_month(h.at)
                in_force_at_start = (
                    h.at <= start and (nxt is None or nxt.at > start) and ticket.opened_at < start
                )
                if began_in_month or in_force_at_start:
                    person(h.to_owner_id, h.to_tier_id)["held"].add(ticket_id)
            # Moves out: passes and time-outs, with what the dumping report asks of them.
            if h.kind in ("passed", "escalated") and in_month(h.at) and h.from_tier_id in tiers:
                who = h.actor_id if h.actor_id else h.from_owner_id
                if who is None:
                    continue
                row = person(who, h.from_tier_id)
                held_for = h.at - handoffs[i - 1].at
                if h.kind == "escalated":
                    row["timeouts"] += 1
                    row["dumped"].add(ticket_id)
                    continue
                row["passed_up"] += 1
                row["held_for"].append(held_for.total_seconds())
                quick = held_for <= rules.quick_pass or len(h.note) < rules.short_note_chars
                bounce = (
                    ticket.resolved_at is not None
                    and ticket.tier_id == h.to_tier_id
                    and ticket.resolved_at <= h.at + rules.bounce_within
                )
                row["quick_passes"] += quick
                row["bounces"] += bounce
                if quick or bounce:
                    row["dumped"].add(ticket_id)
        # Resolutions of the month, at the tier where they happened.
        if ticket.resolved_at and in_month(ticket.resolved_at) and ticket.tier_id in tiers:
            f = flow[ticket.tier_id]
            f["resolved"] += 1
            f["resolved_within"] += ticket.resolved_at < ticket.due_at
            f["first_call"] += ticket.resolved_on_first_call
            seconds = (ticket.resolved_at - ticket.opened_at).total_seconds()
            for key in (("tier", ticket.tier_id), ("dept", ticket.department_id), ("org",)):
                durations[key].append(seconds)
            row = person(ticket.resolved_by_id, ticket.tier_id)
            row["resolved"] += 1
            response = ledger.responses.get(ticket_id)
            if response:
                row["responses"] += 1
                row["satisfied"] += response.rating >= 4
        # Backlog at the month's end: the tier of the last entry before it.
        if ticket.opened_at < end and (ticket.resolved_at is None or ticket.resolved_at >= end):
            before = [h for h in handoffs if h.at < end]
            if before and before[-1].to_tier_id in tiers:
                flow[before[-1].to_tier_id]["backlog"] += 1

    return {
        "flow": _flow(flow, tiers, durations),
        "people": _people(people, rules),
        "satisfaction": _satisfaction(ledger, start, end, department_id),
        "days": _days(ledger, start, end, department_id),
    }


def _flow(flow, tiers, durations):
    result = {"tiers": {}, "departments": {}, "organisation": dict.fromkeys(FLOW, 0)}
    for tier_id, figures in flow.items():
        dept_id = tiers[tier_id].department_id
        result["tiers"][tier_id] = {
            **figures,
            "median": pct(durations[("tier", tier_id)], 0.5),
            "p90": pct(durations[("tier", tier_id)], 0.9),
        }
        dept = result["departments"].setdefault(
            dept_id,
            {
                **dict.fromkeys(FLOW, 0),
                "median": pct(durations[("dept", dept_id)], 0.5),
                "p90": pct(durations[("dept", dept_id)], 0.9),
            },
        )
        for name in FLOW:
            dept[name] += figures[name]
            result["organisation"][name] += figures[name]
    result["organisation"]["median"] = pct(durations[("org",)], 0.5)
    result["organisation"]["p90"] = pct(durations[("org",)], 0.9)
    return result


def _people(people, rules):
    result = {}
    for key, row in people.items():
        result[key] = {
            "held": len(row["held"]),
            "resolved": row["resolved"],
            "passed_up": row["passed_up"],
            "timeouts": row["timeouts"],
            "quick_passes": row["quick_passes"],
            "bounces": row["bounces"],
            "dumped": len(row["dumped"]),
            "median_held": pct(row["held_for"], 0.5),
            "responses": row["responses"],
            "satisfied": row["satisfied"],
        }
    by_tier = defaultdict(list)
    for (_user_id, tier_id), row in result.items():
        by_tier[tier_id].append(row)
    for rows in by_tier.values():
        for metric in ("quick_passes", "timeouts", "bounces"):
            middle = stat_median(r[metric] for r in rows)
            for r in rows:
                r.setdefault("flagged", set())
                if (
                    r[metric] >= rules.highlight_min_events
                    and r[metric] >= rules.highlight_factor * middle
                ):
                    r["flagged"].add(metric)
    return result


def _satisfaction(ledger, start, end, department_id):
    dims = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    reasons = defaultdict(int)
    overall = [0, 0]
    comments = 0
    for ticket_id, response in ledger.responses.items():
        ticket = ledger.tickets[ticket_id]
        if not (start <= ticket.resolved_at < end):
            continue
        if department_id and ticket.department_id != department_id:
            continue
        ok = response.rating >= 4
        handoffs = ledger.handoffs[ticket_id]
        changes = sum(1 for h in handoffs if h.kind not in NOT_A_HANDOFF)
        visited = len({h.to_tier_id for h in handoffs})
        took = ticket.resolved_at - ticket.opened_at
        bucket = next((i for i, bound in enumerate(TIME_BOUNDS) if took < bound), len(TIME_BOUNDS))
        keys = {
            "department": ticket.department_id,
            "tier": ticket.tier_id,
            "person": ticket.resolved_by_id,
            "category": ticket.category.name if ticket.category_id else None,
            "channel": ticket.channel,
            "handoffs": min(changes, 5),
            "tiers_visited": min(visited, 4),
            "time_to_resolve": bucket,
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
        "reasons": dict(reasons),
        "comments": comments,
        **{dim: {k: tuple(v) for k, v in values.items()} for dim, values in dims.items()},
    }


def _days(ledger, start, end, department_id):
    resolved, backlog = [], []
    days = local_days(start, end)
    tickets = [
        t for t in ledger.tickets.values() if not department_id or t.department_id == department_id
    ]
    previous_end = start
    for _day, day_end in days:
        resolved.append(
            sum(1 for t in tickets if t.resolved_at and previous_end <= t.resolved_at < day_end)
        )
        backlog.append(
            sum(
                1
                for t in tickets
                if t.opened_at < day_end and (t.resolved_at is None or t.resolved_at >= day_end)
            )
        )
        previous_end = day_end
    return {"resolved": resolved, "backlog": backlog}
