"""The event loop: a heap of timed events played in time order through the real actions.

Each event is (instant, sequence number, kind, arguments). Handling one may push later
ones: a call opens a ticket and schedules its owner's next move, a pass schedules a claim
at the next tier, a resolution schedules the customer's survey answer. The clock only moves
forward, so the ledger is written in time order, as in production. The escalation sweep
and the overdue-referral flagging run every ``SWEEP_EVERY`` of simulated time, whenever
something can be due (the engine tracks every deadline it has seen, so quiet quarters
cost nothing).

Events carry ids, never model instances: every handler re-reads the ticket, and a move
planned for someone who no longer owns it (the clock escalated it, a manager closed it)
is dropped, as a person would find the ticket gone from their list.
"""

import heapq
import random
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from core.errors import TierdeskError
from escalation.sweep import escalate_overdue
from outbox import actions as outbox
from outbox.models import OutboundEmail
from referrals.actions import do_flag_overdue_referrals
from reports.models import SurveyInvitation
from reports.months import month_containing
from reports.simulation import calls
from reports.simulation.behaviour import SIMULATED_CUSTOMER_PREFIX, SURVEY_ANSWERED, Behaviour
from reports.simulation.cast import Cast, Organisation
from reports.simulation.state import Memo, Resolution, State
from reports.surveys import SurveyUnavailable, do_answer_survey, survey_url
from tickets import actions
from tickets.models import Customer, Status, Ticket

SWEEP_EVERY = timedelta(minutes=15)


class Deadlines:
    """The earliest deadline among those the simulation knows, with lazy deletion."""

    def __init__(self):
        self._heap: list[tuple[datetime, int]] = []
        self._current: dict[int, datetime] = {}

    def set(self, key: int, due: datetime) -> None:
        self._current[key] = due
        heapq.heappush(self._heap, (due, key))

    def drop(self, key: int) -> None:
        self._current.pop(key, None)

    def _top(self):
        while self._heap and self._current.get(self._heap[0][1]) != self._heap[0][0]:
            heapq.heappop(self._heap)
        return self._heap[0] if self._heap else None

    def any_due(self, now: datetime) -> bool:
        top = self._top()
        return top is not None and top[0] <= now

    def pop_due(self, now: datetime) -> list[int]:
        keys = []
        while (top := self._top()) is not None and top[0] <= now:
            heapq.heappop(self._heap)
            self._current.pop(top[1], None)
            keys.append(top[1])
        return keys


class Engine(Behaviour):
    """Plays the organisation from ``start`` to ``end``; ``run`` returns when the clock gets there."""

    def __init__(
        self,
        organisation: Organisation,
        cast: Cast,
        rng: random.Random,
        *,
        start: datetime,
        end: datetime,
        zone: ZoneInfo,
        calls_per_day: float,
    ):
        self.org = organisation
        self.cast = cast
        self.rng = rng
        self.start, self.end, self.zone = start, end, zone
        self.calls_per_day = calls_per_day
        self.now = start
        self.counts: Counter = Counter()
        self.examples: dict[str, list[int]] = defaultdict(list)
        self.memos: dict[int, Memo] = {}
        self.states: dict[int, State] = {}
        self.customers: dict[int, Customer] = {}
        self.next_customer = (
            Customer.objects.filter(
                external_reference__startswith=SIMULATED_CUSTOMER_PREFIX
            ).count()
            + 1
        )
        self.categories_by_id = {c.pk: c for c in organisation.categories}
        self.recent: list[Resolution] = []  # the last week's resolutions: who may call again
        self.scripted: set[int] = set()  # tickets on a scripted journey, kept from the manager
        self.deadlines = Deadlines()
        self.referral_deadlines = Deadlines()
        self.pause_limits = Deadlines()  # when the pauses waiting on nobody end by themselves
        self.shift_workers: set[int] = set()  # people with shifts of their own (cast.give_shifts)
        self._heap: list[tuple] = []
        self._seq = 0
        self.first_ticket_id = (
            Ticket.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        ) + 1
        # Tickets open before the simulation started: the sweep moves them too.
        already_open = Ticket.objects.filter(status=Status.OPEN, breached=False)
        for ticket_id, due in already_open.values_list("pk", "due_at"):
            self.deadlines.set(ticket_id, due)
        self.handlers = {
            "day": self.on_day,
            "sweep": self.on_sweep,
            "call": self.on_call,
            "work": self.on_work,
            "claim": self.on_claim,
            "assign": self.on_assign,
            "late_release": self.on_late_release,
            "pause": self.on_pause,
            "pause_end": self.on_pause_end,
            "referral_claim": self.on_referral_claim,
            "referral_answer": self.on_referral_answer,
            "survey": self.on_survey,
            "manager_round": self.on_manager_round,
        }

    # --- the loop -----------------------------------------------------------------------

    def push(self, at: datetime, kind: str, *args) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (at, self._seq, kind, args))

    def run(self, progress=None) -> None:
        self.push(self.start, "day", self.start.astimezone(self.zone).date())
        first_sweep = self.start + (-(self.start - datetime(2000, 1, 1, tzinfo=UTC)) % SWEEP_EVERY)
        self.push(first_sweep, "sweep")
        while self._heap:
            at, _seq, kind, args = heapq.heappop(self._heap)
            if at >= self.end:
                break
            if progress is not None:
                progress.update((at - self.now).total_seconds() / 86400)
            self.now = at
            try:
                self.handlers[kind](*args)
            except TierdeskError:
                # The action refused the move (it re-checks under its lock). Moves are planned
                # on the ticket as it stands, so this stays at zero; counted, not fatal, so a
                # demo never fails on one odd ticket.
                self.counts["moves_refused"] += 1
        if progress is not None:
            progress.update(max((self.end - self.now).total_seconds() / 86400, 0))

    def later(self, delay: timedelta) -> datetime:
        """``now + delay``, moved to the next working hours when people are off."""
        return calls.next_working_time(self.now + delay, self.rng, self.zone)

    def read(self, ticket_id: int) -> State | None:
        """The ticket as the database has it (None when it is not one of ours).

        Kept from what the actions returned and the sweep moved: inside the simulation's
        transaction nothing else changes these tickets, and this saves a query per event.
        """
        return self.states.get(ticket_id)

    def remember(self, ticket: Ticket) -> Ticket:
        self.states[ticket.pk] = State(
            ticket.owner_id,
            ticket.tier_id,
            ticket.department_id,
            ticket.status,
            ticket.due_at,
            ticket.breached,
        )
        return ticket

    # --- days, the clock ----------------------------------------------------------------

    def on_day(self, day) -> None:
        """Schedule the day's calls and the manager's rounds; then the next day."""
        journeys = self.day_journeys()
        instants = [
            t
            for t in calls.calls_on(day, self.calls_per_day, self.rng, self.zone)
            if self.start <= t < self.end
        ]
        daytime = [i for i, t in enumerate(instants) if 9 <= t.astimezone(self.zone).hour < 16]
        scripted = dict(
            zip(self.rng.sample(daytime, min(len(journeys), len(daytime))), journeys, strict=False)
        )
        for i, instant in enumerate(instants):
            self.push(instant, "call", scripted.get(i, ""))
        if day.isoweekday() <= 5:
            hour, minute = self.rng.randrange(10, 16), self.rng.randrange(60)
            local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.zone)
            self.push(max(local.astimezone(UTC), self.now), "manager_round")
        following = day + timedelta(days=1)
        self.push(calls.local_day_start(following, self.zone), "day", following)

    def on_sweep(self) -> None:
        self.expire_pauses()
        if self.deadlines.any_due(self.now):
            result = escalate_overdue(now=self.now, keep_ids=True)
            self.counts["escalations"] += result.escalated
            self.counts["breaches"] += result.breached
            self.deadlines.pop_due(self.now)
            moved = sorted(result.escalated_ids + result.breached_ids)
            rows = (
                Ticket.objects.filter(pk__in=moved).order_by("pk").values_list("pk", *State._fields)
            )
            breached = set(result.breached_ids)
            for ticket_id, *fields in rows:
                state = State(*fields)
                if ticket_id in self.states:
                    self.states[ticket_id] = state
                if ticket_id in breached:
                    self.after_breach(ticket_id, state.tier_id, state.owner_id)
                else:
                    self.deadlines.set(ticket_id, state.due_at)
                    self.after_escalation(ticket_id, state.tier_id)
        if self.referral_deadlines.any_due(self.now):
            self.counts["referrals_flagged_overdue"] += do_flag_overdue_referrals(
                now=self.now
            ).flagged
            self.referral_deadlines.pop_due(self.now)
        self.push(self.now + SWEEP_EVERY, "sweep")

    # --- the moves, through the real actions, with their bookkeeping --------------------

    def open_ticket(self, taker, *, resolve_on_the_call: str = "", **fields) -> Ticket:
        self.counts["opened"] += 1
        if resolve_on_the_call:
            ticket = actions.do_open_and_resolve_ticket(
                by=taker, resolution=resolve_on_the_call, now=self.now, **fields
            )
            self.counts["resolved_on_the_call"] += 1
            self.after_resolution(ticket, rating_bonus=0.4)
            return ticket
        ticket = self.remember(actions.do_open_ticket(by=taker, now=self.now, **fields))
        self.deadlines.set(ticket.pk, ticket.due_at)
        return ticket

    def claim(self, ticket_id: int, user) -> Ticket:
        ticket = self.remember(actions.do_claim_ticket(ticket_id, by=user, now=self.now))
        self.counts["claims"] += 1
        self.memos[ticket_id].received_at = self.now
        return ticket

    def assign(self, ticket_id: int, lead, assignee) -> Ticket:
        ticket = self.remember(
            actions.do_assign_ticket(ticket_id, by=lead, to=assignee, note="Yours, please.", now=self.now)
        )
        self.counts["assignments"] += 1
        self.memos[ticket_id].received_at = self.now
        return ticket

    def release(self, ticket_id: int, user, note: str) -> Ticket:
        ticket = self.remember(actions.do_release_ticket(ticket_id, by=user, note=note, now=self.now))
        self.counts["releases"] += 1
        return ticket

    def pass_up(self, ticket_id: int, user, note: str) -> Ticket:
        memo = self.memos[ticket_id]
        ticket = self.remember(actions.do_pass_up(ticket_id, by=user, note=note, now=self.now))
        self.counts["passes"] += 1
        if (
            self.now - memo.received_at <= timedelta(minutes=15)
            and user.pk != self.cast["manager"].pk
        ):
            self.counts["quick_passes"] += 1
            if user.pk == self.cast["dumper"].pk:
                self.counts["dumper_quick_passes"] += 1
        self.deadlines.set(ticket.pk, ticket.due_at)
        self.arrive(ticket.pk, ticket.tier_id)
        return ticket

    def transfer(
        self, ticket_id: int, user, department_id: int, note: str, *, send_back: bool = False
    ) -> Ticket:
        memo = self.memos[ticket_id]
        before = self.read(ticket_id)
        ticket = self.remember(
            actions.do_transfer_ticket(
                ticket_id,
                by=user,
                department=self.org.department(department_id).department,
                note=note,
                now=self.now,
            )
        )
        returning = memo.sent_from == department_id
        self.counts["transfers_back" if returning else "transfers"] += 1
        memo.sent_from = None if returning else before.department_id
        memo.send_back = send_back and not returning
        self.deadlines.set(ticket.pk, ticket.due_at)
        self.arrive(ticket.pk, ticket.tier_id)
        return ticket

    def resolve(self, ticket_id: int, user, resolution: str) -> Ticket:
        ticket = self.remember(
            actions.do_resolve_ticket(ticket_id, by=user, resolution=resolution, now=self.now)
        )
        self.after_resolution(ticket)
        return ticket

    def note(self, ticket_id: int, user, body: str) -> None:
        actions.do_add_note(ticket_id, by=user, body=body, now=self.now)
        self.counts["notes"] += 1

    def after_resolution(self, ticket: Ticket, *, rating_bonus: float = 0.0) -> None:
        """Remember the customer (they may call again) and answer the survey, sometimes late."""
        self.deadlines.drop(ticket.pk)
        self.counts["resolved"] += 1
        self.recent.append(Resolution(self.now, ticket.pk, ticket.customer_id, ticket.category_id))
        customer = self.customers.get(ticket.customer_id)
        if customer is None or not customer.email:
            return
        token = self.survey_token(ticket)
        if token is None:
            return
        self.counts["surveys_sent"] += 1
        if self.rng.random() >= SURVEY_ANSWERED:
            return  # most customers never answer
        roll = self.rng.random()
        if roll < 0.55:
            delay = calls.hours(self.rng, 0.2, 20)
        elif roll < 0.85:
            delay = calls.hours(self.rng, 24, 120)
        else:
            delay = calls.hours(self.rng, 130, 320)  # days later, often in the next month
        rating, reasons, comment = self.survey_answer(ticket, rating_bonus)
        self.push(
            self.now + delay,
            "survey",
            ticket.pk,
            ticket.reference,
            token,
            ticket.resolved_at,
            rating,
            reasons,
            comment,
        )

    def survey_token(self, ticket: Ticket) -> str | None:
        """Read the survey link from the email just received, as the customer would.

        The outbox keeps no link once an email counts as sent, so it is read from what
        arrived (``tickets.outbox.not_delivered_mailbox``).
        """
        body = next(
            (e.body for e in reversed(outbox.not_delivered_mailbox()) if e.kind == "survey"),
            None,
        )
        if body is None:  # outside not_delivered(): the email still waits in the outbox
            body = (
                OutboundEmail.objects.filter(kind="survey")
                .order_by("-pk")
                .values_list("body", flat=True)
                .first()
            )
        prefix = survey_url(ticket, "-")[: -len("-/")]
        at = (body or "").find(prefix)
        if at < 0:
            return None
        return body[at + len(prefix) :].split("/", 1)[0]

    def on_survey(self, ticket_id, reference, token, resolved_at, rating, reasons, comment) -> None:
        try:
            response = do_answer_survey(
                reference, token, rating=rating, reasons=reasons, comment=comment, now=self.now
            )
        except (SurveyInvitation.DoesNotExist, SurveyUnavailable):
            return
        self.counts["survey_answers"] += 1
        if month_containing(response.answered_at) != month_containing(resolved_at):
            self.counts["late_survey_answers"] += 1
            self.examples["late_survey_answer"].append(ticket_id)
