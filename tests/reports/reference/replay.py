"""The reference's replay of the ledger: rules, the loaded ledger and each ticket's journey.

Part of the reference implementation in tests/reports/reference/ (read its docstring
first): this module replays each ticket's entries into a journey and the facts of each
entry; the package (__init__.py) turns the journeys into the month's figures.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model

from departments.models import Department, Membership, Tier
from departments.roles import is_manager
from reports.models import SurveyResponse
from tickets.models import Handoff, Ticket

# Entries that are not a change of hands (docs: "every ledger entry but the opening, a breach
# mark, the resolution and the entries of waiting on the customer").
NOT_A_CHANGE_OF_HANDS = frozenset({"opened", "breached", "resolved", "paused", "resumed", "pause_expired"})
# Entries that put the ticket into another tier's queue: a new tier visit and a new clock.
ENTERS_A_TIER = frozenset({"opened", "passed", "escalated", "transferred"})
TIMEOUTS = frozenset({"escalated", "breached"})

# "under 1 h, 1-4 h, 4-20 h, 20-48 h, over 48 h": bucket i holds durations d with
# LOWER[i] <= d < LOWER[i + 1], except that 48 h itself is in "20-48 h" ("over 48 h" is > 48 h).
HOUR = timedelta(hours=1)

FLOW_COUNTS = (
    "opened",
    "resolved",
    "resolved_within",
    "first_call",
    "came_back",
    "passed_up",
    "escalated",
    "breached",
    "unowned_timeouts",
    "backlog",
)
PERSON_COUNTS = (
    "held",
    "resolved",
    "came_back",
    "resolved_for_good",
    "passed_up",
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
    "dumped",
    "responses",
    "held_responses",
    "pauses",
    "paused_hours",
)
# A person's row exists when at least one of these is non-zero.
ROW_COUNTS = (
    "held",
    "resolved",
    "passed_up",
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
    "responses",
    "held_responses",
    "pauses",
    "paused_hours",
)
HIGHLIGHTED = (
    "quick_passes",
    "timeouts",
    "late_releases",
    "returned_transfers",
    "late_pauses",
    "pauses_past_limit",
)
# Dumped: at least one quick pass, time-out, late release, returned transfer, late pause or
# pause past the limit (a time-out that ran out off shift is none of them).
DUMPING = HIGHLIGHTED


@dataclass(frozen=True)
class Rules:
    """The thresholds of docs/metrics.md's Settings table."""

    quick_pass_minutes: float = 15
    short_note_chars: int = 20
    bounce_minutes: float = 30
    late_release_share: float = 0.25
    late_receipt_minutes: float = 60
    returned_transfer_hours: float = 24
    came_back_days: float = 7
    dumping_factor: float = 2
    dumping_min_events: int = 3
    dumping_min_held: int = 5

    @classmethod
    def from_settings(cls) -> "Rules":
        d = cls()
        return cls(
            quick_pass_minutes=getattr(
                settings, "TIERDESK_QUICK_PASS_MINUTES", d.quick_pass_minutes
            ),
            short_note_chars=getattr(settings, "TIERDESK_SHORT_NOTE_CHARS", d.short_note_chars),
            bounce_minutes=getattr(settings, "TIERDESK_BOUNCE_MINUTES", d.bounce_minutes),
            late_release_share=getattr(
                settings, "TIERDESK_LATE_RELEASE_SHARE", d.late_release_share
            ),
            late_receipt_minutes=getattr(
                settings, "TIERDESK_LATE_RECEIPT_MINUTES", d.late_receipt_minutes
            ),
            returned_transfer_hours=getattr(
                settings, "TIERDESK_RETURNED_TRANSFER_HOURS", d.returned_transfer_hours
            ),
            came_back_days=getattr(settings, "TIERDESK_CAME_BACK_DAYS", d.came_back_days),
            dumping_factor=getattr(settings, "TIERDESK_DUMPING_FACTOR", d.dumping_factor),
            dumping_min_events=getattr(
                settings, "TIERDESK_DUMPING_MIN_EVENTS", d.dumping_min_events
            ),
            dumping_min_held=getattr(settings, "TIERDESK_DUMPING_MIN_HELD", d.dumping_min_held),
        )

    @property
    def quick_pass(self) -> timedelta:
        return timedelta(minutes=self.quick_pass_minutes)

    @property
    def bounce_within(self) -> timedelta:
        return timedelta(minutes=self.bounce_minutes)

    @property
    def late_receipt(self) -> timedelta:
        return timedelta(minutes=self.late_receipt_minutes)

    @property
    def returned_within(self) -> timedelta:
        return timedelta(hours=self.returned_transfer_hours)

    @property
    def came_back_within(self) -> timedelta:
        return timedelta(days=self.came_back_days)


def nearest_rank(values, numerator: int, denominator: int):
    """The value at rank ceil(p * n) of the values sorted ascending (p = numerator/denominator).

    Integer arithmetic, so that 0.9 * 10 is exactly rank 9. None for no values.
    """
    if not values:
        return None
    ordered = sorted(values)
    rank = -(-numerator * len(ordered) // denominator)  # ceil without floats
    return ordered[max(rank, 1) - 1]


def seconds(duration: timedelta) -> int:
    return round(duration.total_seconds())


def time_bucket(took: timedelta) -> int:
    if took < HOUR:
        return 0
    if took < 4 * HOUR:
        return 1
    if took < 20 * HOUR:
        return 2
    if took <= 48 * HOUR:
        return 3
    return 4


# --- the ledger, loaded once ------------------------------------------------------------


class Ledger:
    """Every ticket, its handoffs in write order (id), survey answers, tiers and users."""

    def __init__(self):
        self.tickets = {t.pk: t for t in Ticket.objects.select_related("category")}
        self.handoffs = defaultdict(list)
        for h in Handoff.objects.order_by("id"):
            self.handoffs[h.ticket_id].append(h)
        self.responses = {r.ticket_id: r for r in SurveyResponse.objects.all()}
        self.tiers = {t.pk: t for t in Tier.objects.all()}
        self.departments = {d.pk: d for d in Department.objects.all()}
        self.users = {u.pk: u for u in get_user_model().objects.all()}
        self.managers = {pk for pk, user in self.users.items() if is_manager(user)}
        # Whose shifts say what (docs: Ran out off shift): a member's own calendar in a
        # department, else the department's; neither: 24/7.
        self.shifts = {
            (m.user_id, m.department_id): m.calendar
            for m in Membership.objects.filter(calendar__isnull=False).select_related("calendar")
        }
        self.calendars = {
            d.pk: d.calendar for d in Department.objects.filter(calendar__isnull=False).select_related("calendar")
        }
        self.holidays = defaultdict(list)
        for calendar in {*self.shifts.values(), *self.calendars.values()}:
            self.holidays[calendar.pk] = list(calendar.holidays.all())
        self.by_customer = defaultdict(list)
        for t in sorted(self.tickets.values(), key=lambda t: (t.opened_at, t.pk)):
            self.by_customer[t.customer_id].append(t)
        self._journeys = {}

    def journeys(self, as_of: datetime | None = None, rules: "Rules | None" = None) -> dict:
        """Every ticket that exists at ``as_of``, replayed: {ticket id: Journey} (cached)."""
        rules = rules or Rules.from_settings()
        key = (as_of, rules)
        if key not in self._journeys:
            journeys = {}
            for ticket_id, entries in self.handoffs.items():
                journey = replay(self, self.tickets[ticket_id], entries, as_of, rules)
                if journey is not None:
                    journeys[ticket_id] = journey
            self._journeys[key] = journeys
        return self._journeys[key]

    def response(self, ticket_id: int, as_of: datetime | None):
        response = self.responses.get(ticket_id)
        if response is None or (as_of is not None and response.answered_at >= as_of):
            return None
        return response


# --- one ticket's journey, replayed -----------------------------------------------------


@dataclass
class EntryFacts:
    """What the replay knows about one ledger entry."""

    handoff: Handoff
    owner_before: int | None  # who had the ticket just before this entry
    received_at: datetime | None  # when owner_before received it (the entry that gave it)
    held_for: timedelta | None  # at - received_at: how long owner_before had held it
    mover_held_for: timedelta | None  # held_for when the actor is owner_before, else None
    deadline: datetime | None  # the deadline of the tier visit in force before the entry
    late_release: bool = False  # a release by its owner with <= share x tier time left
    charged_to: int | None = None  # for a time-out: whom it is charged to (None: unowned)
    off_shift: bool = False  # for a charged time-out: that person was off shift at the deadline


@dataclass
class Holding:
    """One uninterrupted ownership: from the entry that gave the ticket to the one that ended it."""

    owner: int
    tier: int
    start: datetime
    end: datetime | None  # None: still owned


@dataclass
class Journey:
    ticket: Ticket
    entries: list  # the Handoffs recorded before as_of, in write order
    facts: list  # EntryFacts, one per entry
    holdings: list = field(default_factory=list)
    resolution: Handoff | None = None
    came_back: bool = False

    @property
    def opened_at(self) -> datetime:
        return self.entries[0].at

    def changes_of_hands(self) -> int:
        return sum(1 for h in self.entries if h.kind not in NOT_A_CHANGE_OF_HANDS)

    def tiers_visited(self) -> int:
        return len({h.to_tier_id for h in self.entries})


def _tier_time(ledger, h: Handoff, tier_id: int) -> timedelta:
    """The tier's time stored with the entry, else (older entries) the tier's current one."""
    stored = getattr(h, "tier_time", None)
    return stored if stored is not None else ledger.tiers[tier_id].resolve_within


def replay(ledger, ticket: Ticket, entries: list, as_of: datetime | None, rules=None):
    """Walk one ticket's entries in write order; None when it did not exist yet at ``as_of``."""
    rules = rules or Rules.from_settings()
    if as_of is not None:
        entries = [h for h in entries if h.at < as_of]
    if not entries or entries[0].kind != "opened":
        return None
    journey = Journey(ticket=ticket, entries=entries, facts=[])
    owner = None
    tier = None
    receipt = None  # the entry that gave the ticket to ``owner``
    visit_due = None  # the current tier visit's deadline
    visit_releases = []  # (index, EntryFacts) of the releases of the current visit
    holding = None
    for i, h in enumerate(entries):
        facts = EntryFacts(
            handoff=h,
            owner_before=owner,
            received_at=receipt.at if receipt is not None else None,
            held_for=h.at - receipt.at if receipt is not None else None,
            mover_held_for=None,
            deadline=visit_due,
        )
        if owner is not None and h.actor_id == owner:
            facts.mover_held_for = facts.held_for
        # The deadline in force before the entry: the stored one (the tier before the move),
        # else for a time-out the one the sweep was late for, else the replayed one.
        stored_due = getattr(h, "due_at", None) if h.kind != "opened" else None
        lateness = getattr(h, "sweep_lateness", None)
        if stored_due is not None:
            visit_due = stored_due
        elif h.kind in TIMEOUTS and lateness is not None:
            visit_due = h.at - lateness
        facts.deadline = visit_due
        if h.kind == "released":
            tier_time = _tier_time(ledger, h, tier)
            facts.late_release = (
                owner is not None
                and h.actor_id == owner
                and visit_due - h.at <= rules.late_release_share * tier_time
            )
        if h.kind in TIMEOUTS:
            facts.charged_to = _charge(owner, receipt, visit_due, visit_releases, rules)
            if facts.charged_to is not None and visit_due is not None:
                facts.off_shift = off_shift(ledger, facts.charged_to, h.from_department_id, visit_due)
        journey.facts.append(facts)

        # The state after the entry.
        new_owner = None if h.kind == "resolved" else h.to_owner_id
        if h.kind in ENTERS_A_TIER:
            # A new visit and a new clock. A move's stored facts are those of the tier it
            # left, so only an opening's deadline is the new visit's; otherwise it is
            # replayed, and corrected by the next entry of the visit that stores one.
            tier = h.to_tier_id
            stored = getattr(h, "due_at", None) if h.kind == "opened" else None
            computed = h.at + ledger.tiers[tier].resolve_within
            visit_due = stored if stored is not None else computed
            visit_releases = []
        if h.kind == "released":
            visit_releases.append((i, facts))
        if new_owner != owner:
            if holding is not None:
                holding.end = h.at
                holding = None
            if new_owner is not None:
                holding = Holding(owner=new_owner, tier=h.to_tier_id, start=h.at, end=None)
                journey.holdings.append(holding)
            receipt = h if new_owner is not None else None
            owner = new_owner
        if h.kind == "resolved":
            journey.resolution = h
    return journey


def _charge(owner, receipt, ran_out, visit_releases, rules):
    """Whom a time-out is charged to (docs: the Time-outs rule), or None for an unowned one."""
    if owner is not None:
        if ran_out is not None and ran_out - receipt.at < rules.late_receipt:
            before_receipt = [f for i, f in visit_releases if f.handoff.id < receipt.id]
            if before_receipt and before_receipt[-1].late_release:
                return before_receipt[-1].handoff.actor_id
        return owner
    if visit_releases:
        return visit_releases[-1][1].handoff.actor_id
    return None


WEEKDAY_FIELDS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def off_shift(ledger, user_id: int, department_id: int, instant: datetime) -> bool:
    """Whether the person's shifts (their own calendar in the department, else the
    department's) say ``instant`` is not working time; nobody is off shift 24/7."""
    calendar = ledger.shifts.get((user_id, department_id)) or ledger.calendars.get(department_id)
    if calendar is None:
        return False
    return not _working(calendar, ledger.holidays[calendar.pk], instant)


def _working(calendar, holidays, instant: datetime) -> bool:
    """docs/working-time.md: an instant is working when its wall-clock time on the
    calendar's clock lies in an interval; an interval belongs to the day it starts (one
    whose end is not after its start runs into the next day) and a holiday removes the
    intervals that start on it."""
    local = instant.astimezone(ZoneInfo(calendar.time_zone))
    minute = local.hour * 60 + local.minute + (local.second + local.microsecond / 1e6) / 60
    for back in (0, 1):
        day = local.date() - timedelta(days=back)
        if any(h.date == day or (h.yearly and (h.date.month, h.date.day) == (day.month, day.day)) for h in holidays):
            continue
        for part in filter(None, (p.strip() for p in getattr(calendar, WEEKDAY_FIELDS[day.weekday()]).split(","))):
            begin, finish = (int(x[:2]) * 60 + int(x[3:5]) for x in part.split("-"))
            crosses = finish <= begin
            if back == 0 and begin <= minute and (crosses or minute < finish):
                return True
            if back == 1 and crosses and minute < finish:
                return True
    return False


def entry_facts(ledger: Ledger, *, as_of: datetime | None = None, rules=None) -> dict:
    """{handoff id: EntryFacts} for every entry recorded before ``as_of``."""
    rules = rules or Rules.from_settings()
    result = {}
    for ticket_id, entries in ledger.handoffs.items():
        journey = replay(ledger, ledger.tickets[ticket_id], entries, as_of, rules)
        if journey is not None:
            result.update({f.handoff.id: f for f in journey.facts})
    return result


def came_back(ledger, journey, rules, as_of) -> bool:
    """Another ticket of the same customer opened within N days after the resolution that
    names this one as its earlier ticket or is in the same category."""
    resolved_at = journey.resolution.at
    ticket = journey.ticket
    for other in ledger.by_customer[ticket.customer_id]:
        if other.pk == ticket.pk:
            continue
        if not (resolved_at < other.opened_at <= resolved_at + rules.came_back_within):
            continue
        if as_of is not None and other.opened_at >= as_of:
            continue
        if other.previous_ticket_id == ticket.pk or (
            ticket.category_id is not None and other.category_id == ticket.category_id
        ):
            return True
    return False
