"""What people do: ordinary agents, the habit players, two scripted journeys, the manager.

Mixed into ``Engine``: the methods here decide; the engine's move methods (``claim``,
``pass_up``, ``transfer``, ...) call the real actions and keep the books.

Ordinary agents resolve most of what they own with a proper note, pass some up saying what
they tried, transfer a few, ask other departments, add notes, now and then release a ticket
or sit on one. The habits (``reports.simulation.cast``):

- the **dumper** passes nearly everything up within minutes, often with a lazy note;
- the **late releaser** holds a ticket until less than a quarter of the tier's time is
  left, then releases it; a colleague claims it in the last hour and the clock runs out;
- the **time-out sitter** claims and never moves: the sweep escalates their tickets;
- the **ping-pong transferrer** transfers with a thin note; the other department sends
  most of those back within hours;
- the **manager** resolves, and sometimes passes up, tickets other people own.

Two rare journeys are scripted a few times a week (``reports.simulation.journeys``).
"""

from datetime import timedelta

from django.db.models import Q

from referrals.actions import do_answer_referral, do_claim_referral, do_refer_ticket
from reports.models import Reason
from reports.simulation import calls, texts
from reports.simulation.cast import (
    DUMPER,
    LATE_RELEASER,
    MANAGER,
    PING_PONG,
    TIMEOUT_SITTER,
    TierSeat,
)
from reports.simulation.journeys import PASSED_TWICE, TIMED_OUT_TWICE, Journeys
from reports.simulation.pauses import PAUSES, Pauses
from reports.simulation.state import Memo
from tickets.models import Customer, Status, Ticket

SIMULATED_CUSTOMER_PREFIX = "SIM-"

RESOLVED_ON_THE_CALL = 0.15
RETURNING_CALLER = 0.07
NOBODY_CLAIMS = 0.04
LEAD_ASSIGNS = 0.3
SURVEY_ANSWERED = 0.45


class Behaviour(Journeys, Pauses):
    # --- who calls, and who answers ---------------------------------------------------

    def on_call(self, journey: str) -> None:
        rng, first = self.rng, self.org.front.first
        customer, previous, category, returning = self.caller()
        if journey == TIMED_OUT_TWICE:
            taker = self.cast[TIMEOUT_SITTER]
        elif journey == PASSED_TWICE:
            taker = self.org.users[rng.choice(self.ordinary(first))]
        else:
            # The sitter, slow on every call, takes fewer of them.
            weights = [
                0.6 if self.cast.habit_of(u) == TIMEOUT_SITTER else 1.0 for u in first.members
            ]
            taker = self.org.users[rng.choices(first.members, weights=weights)[0]]
        slug = category.slug if category else None
        on_the_call = not journey and rng.random() < RESOLVED_ON_THE_CALL
        ticket = self.open_ticket(
            taker,
            resolve_on_the_call=rng.choice(texts.ON_THE_CALL) if on_the_call else "",
            subject=rng.choice(texts.subjects_for(slug)),
            description=rng.choice(texts.DESCRIPTIONS),
            customer=customer,
            department=self.org.front.department,
            category=category,
            priority=rng.choices(["normal", "high", "low", "urgent"], weights=[80, 12, 6, 2])[0],
            channel=rng.choices(["phone", "email", "chat", "web"], weights=[70, 12, 10, 8])[0],
            previous_ticket=previous,
        )
        if returning:
            self.examples["returning_customer"].append(ticket.pk)
        if on_the_call:
            return
        self.memos[ticket.pk] = Memo(
            customer.pk, slug, self.now, journey=journey, opener_id=taker.pk
        )
        if journey:
            self.scripted.add(ticket.pk)
        if ticket.owner_id:
            self.plan_work(ticket.pk, ticket.owner_id, ticket.tier_id)
        else:
            self.arrive(ticket.pk, ticket.tier_id)

    def caller(self):
        """A customer who calls again within a week of a resolution, or a new one."""
        horizon = self.now - timedelta(days=7)
        self.recent = [r for r in self.recent if r.at > horizon]
        if self.recent and self.rng.random() < RETURNING_CALLER:
            earlier = self.recent.pop(self.rng.randrange(len(self.recent)))
            self.counts["returning_calls"] += 1
            category = self.categories_by_id.get(earlier.category_id)
            # "Came back" is the same category or a link to the earlier ticket; without a
            # category only the link can say so.
            linked = category is None or self.rng.random() < 0.6
            previous = Ticket.objects.get(pk=earlier.ticket_id) if linked else None
            return self.customers[earlier.customer_id], previous, category, True
        categories = self.org.categories
        category = self.rng.choice([*categories, None]) if categories else None
        return self.new_customer(), None, category, False

    def new_customer(self) -> Customer:
        n = self.next_customer
        self.next_customer += 1
        first, last = self.rng.choice(texts.FIRST_NAMES), self.rng.choice(texts.LAST_NAMES)
        with_email = self.rng.random() < 0.8  # one in five gives no address: no survey
        customer = Customer.objects.create(
            name=f"{first} {last}",
            email=f"{first}.{last}.{n}@example.net".lower() if with_email else "",
            phone=f"+40 799 {n:06d}",
            external_reference=f"{SIMULATED_CUSTOMER_PREFIX}{n:06d}",
            created_at=self.now,
        )
        self.customers[customer.pk] = customer
        self.counts["customers"] += 1
        return customer

    # --- when an owner gets to a ticket -----------------------------------------------

    def ordinary(self, seat: TierSeat) -> list[int]:
        """The tier's people who play no habit (leads included)."""
        return [u for u in seat.members if self.cast.habit_of(u) is None] or seat.members

    def work_delay(self, seat: TierSeat) -> timedelta:
        rng = self.rng
        if seat.department_id != self.org.front.id:
            return calls.minutes(rng, 20, 300)
        if seat.level == 1:
            return calls.minutes(rng, 20, 180)
        if seat.is_top:
            return calls.hours(rng, 0.5, 12)  # experts take their time: now and then one breaches
        return calls.minutes(rng, 30, 360)

    def plan_work(self, ticket_id: int, user_id: int, tier_id: int) -> None:
        """Schedule the owner's next move on a ticket they just received."""
        habit = self.cast.habit_of(user_id)
        seat = self.org.tiers[tier_id]
        memo = self.memos[ticket_id]
        if habit == TIMEOUT_SITTER:
            return  # never moves it: the clock will
        if memo.easy and habit is None:
            self.push(self.now + calls.minutes(self.rng, 3, 12), "work", ticket_id, user_id)
        elif habit == DUMPER:
            self.push(self.now + calls.minutes(self.rng, 2, 9), "work", ticket_id, user_id)
        elif habit == PING_PONG:
            self.push(self.now + calls.minutes(self.rng, 3, 25), "work", ticket_id, user_id)
        elif (habit == LATE_RELEASER and self.plan_late_release(ticket_id, seat)) or (
            habit is None and not memo.journey and self.plan_late_pause(ticket_id, seat)
        ):
            pass  # planned for the last stretch of the tier's time
        else:
            self.push(self.later(self.work_delay(seat)), "work", ticket_id, user_id)

    def on_work(self, ticket_id: int, user_id: int) -> None:
        state = self.read(ticket_id)
        if state is None or not state.is_open or state.owner_id != user_id:
            return  # escalated, closed by a manager, or moved on meanwhile
        memo, user, seat = (
            self.memos[ticket_id],
            self.org.users[user_id],
            self.org.tiers[state.tier_id],
        )
        if memo.paused:
            return  # waiting on the customer: nothing to do until the pause ends
        if memo.journey and self.journey_work(ticket_id, state, memo, user):
            return
        rng = self.rng
        habit = self.cast.habit_of(user_id)
        if habit == DUMPER and not seat.is_top and rng.random() < 0.88:
            note = (
                rng.choice(texts.THIN_NOTES)
                if rng.random() < 0.65
                else rng.choice(texts.PASS_NOTES)
            )
            memo.easy = rng.random() < 0.35
            self.pass_up(ticket_id, user, note)
            return
        if habit == PING_PONG and state.department_id == self.org.front.id and rng.random() < 0.7:
            memo.ping_pong = True
            self.counts["ping_pong_transfers"] += 1
            target = rng.choice(self.org.others)
            self.transfer(
                ticket_id,
                user,
                target.id,
                rng.choice(texts.THIN_TRANSFER_NOTES),
                send_back=rng.random() < 0.6,
            )
            return
        self.ordinary_move(ticket_id, state, memo, user, seat)

    def ordinary_move(self, ticket_id, state, memo, user, seat: TierSeat) -> None:
        rng = self.rng
        if memo.send_back and memo.sent_from is not None:
            if memo.ping_pong:
                self.counts["ping_pong_sent_back"] += 1
                self.examples["ping_pong_returned"].append(ticket_id)
            self.transfer(ticket_id, user, memo.sent_from, rng.choice(texts.RETURN_NOTES))
            return
        if memo.easy:
            memo.easy = False
            self.resolve(ticket_id, user, rng.choice(texts.resolutions_for(memo.category_slug)))
            return
        in_front = state.department_id == self.org.front.id
        if not memo.journey and self.sits_off_shift(user.pk):
            return  # left for tomorrow: the clock runs out while they are off shift
        roll = rng.random()
        if roll < 0.07 and not memo.referred:
            self.refer(ticket_id, state, memo, user)
        elif roll < 0.12:
            self.note(ticket_id, user, rng.choice(texts.INTERNAL_NOTES))
            self.push(self.later(self.work_delay(seat) / 2), "work", ticket_id, user.pk)
        elif roll < 0.16 and in_front:
            target = rng.choice(self.org.others)
            self.transfer(
                ticket_id,
                user,
                target.id,
                rng.choice(texts.TRANSFER_NOTES),
                send_back=rng.random() < 0.25,
            )
        elif roll < 0.18 and not seat.is_top:
            self.release(ticket_id, user, rng.choice(texts.RELEASE_NOTES))
            self.arrive(ticket_id, state.tier_id)
        elif roll < 0.20 and not seat.is_top:
            pass  # sits on it: the clock will move it
        elif roll < 0.20 + PAUSES and not memo.journey:
            self.pause(ticket_id, user)
            if not memo.paused:
                self.push(self.later(self.work_delay(seat) / 2), "work", ticket_id, user.pk)
        elif roll < (0.38 if in_front else 0.28) and not seat.is_top:
            self.pass_up(ticket_id, user, rng.choice(texts.PASS_NOTES))
        else:
            self.resolve(ticket_id, user, rng.choice(texts.resolutions_for(memo.category_slug)))

    # --- queues -----------------------------------------------------------------------

    def arrive(self, ticket_id: int, tier_id: int) -> None:
        """A ticket waits unowned in a tier's queue: someone claims it, or a lead assigns it."""
        memo = self.memos.get(ticket_id)
        if memo is None:
            return  # not one of ours
        seat, rng = self.org.tiers[tier_id], self.rng
        if memo.journey and self.journey_arrival(ticket_id, memo, seat):
            return
        if memo.easy:
            claimer = rng.choice(self.ordinary(seat))
            self.push(self.now + calls.minutes(rng, 3, 12), "claim", ticket_id, tier_id, claimer)
        elif rng.random() < NOBODY_CLAIMS:
            pass  # lost in the queue: an unowned time-out
        elif seat.leads and rng.random() < LEAD_ASSIGNS:
            self.push(self.later(calls.minutes(rng, 5, 45)), "assign", ticket_id, tier_id)
        else:
            self.push(self.later(self.claim_delay(seat)), "claim", ticket_id, tier_id, None)

    def claim_delay(self, seat: TierSeat) -> timedelta:
        if seat.department_id == self.org.front.id and seat.is_top:
            return calls.minutes(self.rng, 20, 360)
        return calls.minutes(self.rng, 10, 240)

    def pick_claimer(self, seat: TierSeat) -> int:
        weights = [
            2.5 if self.cast.habit_of(u) == LATE_RELEASER else 0.6 if u in seat.leads else 1.0
            for u in seat.members
        ]
        return self.rng.choices(seat.members, weights=weights)[0]

    def on_claim(
        self, ticket_id: int, tier_id: int, user_id: int | None, last_hour: bool = False
    ) -> None:
        state = self.read(ticket_id)
        if (
            state is None
            or not state.is_open
            or state.owner_id is not None
            or state.tier_id != tier_id
        ):
            return
        seat = self.org.tiers[tier_id]
        user = self.org.users[user_id or self.pick_claimer(seat)]
        self.claim(ticket_id, user)
        if last_hour:
            # Got it minutes before the deadline after a late release: too late to save.
            self.memos[ticket_id].late_receipt = True
            self.push(state.due_at + calls.minutes(self.rng, 20, 120), "work", ticket_id, user.pk)
        else:
            self.plan_work(ticket_id, user.pk, tier_id)

    def on_assign(self, ticket_id: int, tier_id: int) -> None:
        state = self.read(ticket_id)
        if (
            state is None
            or not state.is_open
            or state.owner_id is not None
            or state.tier_id != tier_id
        ):
            return
        seat = self.org.tiers[tier_id]
        lead = self.org.users[self.rng.choice(seat.leads)]
        assignee = self.org.users[
            self.rng.choice([u for u in seat.members if u not in seat.leads] or seat.members)
        ]
        self.assign(ticket_id, lead, assignee)
        self.plan_work(ticket_id, assignee.pk, tier_id)

    # --- the late releaser ------------------------------------------------------------

    def plan_late_release(self, ticket_id: int, seat: TierSeat) -> bool:
        """Release when under a quarter of the tier's time is left, in working hours."""
        if self.rng.random() >= 0.8:
            return False
        state = self.read(ticket_id)
        begin = max(self.now, state.due_at - seat.resolve_within * 0.25 + timedelta(minutes=5))
        window = calls.working_window(begin, state.due_at - timedelta(minutes=70), self.zone)
        if window is None:
            return False
        span = min(window[1] - window[0], timedelta(minutes=90))
        self.push(
            window[0] + calls.between(self.rng, timedelta(0), span),
            "late_release",
            ticket_id,
            self.cast[LATE_RELEASER].pk,
        )
        return True

    def on_late_release(self, ticket_id: int, user_id: int) -> None:
        state = self.read(ticket_id)
        if state is None or not state.is_open or state.owner_id != user_id or self.memos[ticket_id].paused:
            return
        self.release(ticket_id, self.org.users[user_id], self.rng.choice(texts.LATE_RELEASE_NOTES))
        self.counts["late_releases"] += 1
        colleagues = [u for u in self.ordinary(self.org.tiers[state.tier_id]) if u != user_id]
        colleague = self.rng.choice(colleagues)
        claim_at = max(
            self.now + timedelta(minutes=5), state.due_at - calls.minutes(self.rng, 10, 50)
        )
        self.push(claim_at, "claim", ticket_id, state.tier_id, colleague, True)

    # --- the clock's moves ------------------------------------------------------------

    def after_escalation(self, ticket_id: int, tier_id: int) -> None:
        memo = self.memos.get(ticket_id)
        if memo is not None and memo.late_receipt:
            memo.late_receipt = False
            self.examples["late_release_then_time_out"].append(ticket_id)
        self.arrive(ticket_id, tier_id)

    def after_breach(self, ticket_id: int, tier_id: int, owner_id: int | None) -> None:
        """The managers were alerted; an unowned ticket is taken in the next working hours."""
        if ticket_id in self.memos and owner_id is None:
            seat = self.org.tiers[tier_id]
            self.push(
                self.later(calls.minutes(self.rng, 10, 90)),
                "claim",
                ticket_id,
                tier_id,
                self.rng.choice(seat.members),
            )

    # --- the manager ------------------------------------------------------------------

    def on_manager_round(self) -> None:
        """Close the tickets nearest their deadline that someone else owns; pass one up."""
        manager, rng = self.cast[MANAGER], self.rng
        rows = list(
            Ticket.objects.filter(
                Q(status=Status.OPEN, department_id=self.org.front.id, owner__isnull=False),
                paused_at__isnull=True,
                pk__gte=self.first_ticket_id,
            )
            .exclude(owner_id=manager.pk)
            .exclude(pk__in=sorted(self.scripted))
            .order_by("due_at", "pk")
            .values_list("pk", "tier_id")[:8]
        )
        closing = rng.choice((1, 1, 2))
        for ticket_id, _tier_id in rows[:closing]:
            self.resolve(ticket_id, manager, rng.choice(texts.MANAGER_RESOLUTIONS))
            self.counts["manager_resolutions"] += 1
            self.examples["closed_by_manager"].append(ticket_id)
        passable = [t for t, tier_id in rows[closing:] if not self.org.tiers[tier_id].is_top]
        if passable and rng.random() < 0.4:
            self.pass_up(passable[0], manager, rng.choice(texts.MANAGER_PASS_NOTES))
            self.counts["manager_passes"] += 1
            self.examples["passed_by_manager"].append(passable[0])

    # --- referrals --------------------------------------------------------------------

    def refer(self, ticket_id: int, state, memo, user) -> None:
        """Ask another department; the owner waits for the answer before moving on."""
        rng = self.rng
        target = rng.choice(
            [d for d in (self.org.front, *self.org.others) if d.id != state.department_id]
        )
        referral = do_refer_ticket(
            ticket_id,
            by=user,
            department=target.department,
            question=rng.choice(texts.QUESTIONS),
            now=self.now,
        )
        memo.referred = True
        self.counts["referrals_asked"] += 1
        self.referral_deadlines.set(referral.pk, referral.due_at)
        # One in five waits past the department's target and is flagged overdue.
        delay = calls.hours(rng, 4.5, 9) if rng.random() < 0.2 else calls.minutes(rng, 15, 200)
        member = rng.choice([u for seat in target.tiers for u in seat.members])
        self.push(self.later(delay), "referral_claim", referral.pk, ticket_id, user.pk, member)

    def on_referral_claim(
        self, referral_id: int, ticket_id: int, asker_id: int, member_id: int
    ) -> None:
        if not self.read(ticket_id).is_open:
            return  # resolved meanwhile: nobody answers a closed question
        do_claim_referral(referral_id, by=self.org.users[member_id], now=self.now)
        self.push(
            self.now + calls.minutes(self.rng, 5, 40),
            "referral_answer",
            referral_id,
            ticket_id,
            asker_id,
            member_id,
        )

    def on_referral_answer(
        self, referral_id: int, ticket_id: int, asker_id: int, member_id: int
    ) -> None:
        if not self.read(ticket_id).is_open:
            return
        answer = self.rng.choice(texts.ANSWERS)
        do_answer_referral(referral_id, by=self.org.users[member_id], answer=answer, now=self.now)
        self.counts["referrals_answered"] += 1
        self.referral_deadlines.drop(referral_id)
        state = self.read(ticket_id)
        if state.is_open and state.owner_id == asker_id:
            self.push(self.later(calls.minutes(self.rng, 10, 90)), "work", ticket_id, asker_id)

    # --- surveys ----------------------------------------------------------------------

    def survey_answer(self, ticket: Ticket, bonus: float) -> tuple[int, list[str], str]:
        """How the customer rates the journey: long, bounced or breached tickets rate lower."""
        rng = self.rng
        hours_taken = (ticket.resolved_at - ticket.opened_at).total_seconds() / 3600
        score = 4.3 + bonus - 0.35 * max(ticket.handoff_count - 1, 0)
        if ticket.breached:
            score -= 1.0
        if hours_taken > 48:
            score -= 0.8
        elif hours_taken > 20:
            score -= 0.4
        memo = self.memos.get(ticket.pk)
        if memo is not None and (memo.ping_pong or memo.journey):
            score -= 0.6
        rating = min(5, max(1, round(score + rng.gauss(0, 0.9))))
        reasons = []
        if rating >= 4:
            if hours_taken < 4:
                reasons.append(Reason.FAST.value)
            if ticket.handoff_count <= 1:
                reasons.append(Reason.FIRST_TIME.value)
            if rng.random() < 0.5:
                reasons.append(Reason.FRIENDLY.value)
            if rng.random() < 0.25:
                reasons.append(Reason.KEPT_INFORMED.value)
        elif rng.random() < 0.3:
            reasons.append(Reason.OTHER.value)
        return rating, reasons, rng.choice(texts.COMMENTS[rating])
