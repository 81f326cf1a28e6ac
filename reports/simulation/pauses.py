"""Waiting on the customer, and people with shifts: the habits behind the pause figures and
the time-outs that run out off shift.

Mixed into ``Behaviour``. An ordinary agent now and then pauses a ticket to ask the customer
something: usually with time to spare, sometimes in the last fifth of the tier's time (a late
pause). The customer answers (a note marked as their answer restarts the clock), or the
owner resumes, or nobody does and the clock ends the pause at its limit
(``tickets.actions.do_expire_pauses``, run by the engine's sweep when a limit is due). While
a ticket waits, nothing else is done to it. Agents with shifts of their own
(``cast.give_shifts``) sit on a ticket now and then at the end of their day: the clock runs
out while they are off shift.
"""

from datetime import timedelta

from reports.simulation import calls, texts
from tickets import actions
from tickets.models import Ticket

PAUSES = 0.05  # of an ordinary agent's moves
LATE_PAUSES = 0.04  # of the tickets an ordinary agent receives
CUSTOMER_ANSWERS = 0.45
OWNER_RESUMES = 0.3  # the rest wait past the limit
SHIFT_WORKER_SITS = 0.12


class Pauses:
    def plan_late_pause(self, ticket_id: int, seat) -> bool:
        """Pause in the last fifth of the tier's time (a late pause), if there is such a time."""
        if self.rng.random() >= LATE_PAUSES:
            return False
        state = self.read(ticket_id)
        at = state.due_at - seat.resolve_within * 0.2
        if at <= self.now:
            return False
        self.push(at, "pause", ticket_id, state.owner_id)
        return True

    def pause(self, ticket_id: int, user) -> None:
        """Stop the clock to ask the customer, then plan how the pause ends."""
        state = self.read(ticket_id)
        memo = self.memos[ticket_id]
        if state.due_at <= self.now + timedelta(minutes=1):
            return  # too late: the sweep has it
        ticket = self.remember(
            actions.do_pause_ticket(ticket_id, by=user, reason=self.rng.choice(texts.PAUSE_REASONS), now=self.now)
        )
        memo.paused = True
        self.counts["pauses"] += 1
        roll = self.rng.random()
        if roll < CUSTOMER_ANSWERS:
            self.push(self.now + calls.hours(self.rng, 0.5, 30), "pause_end", ticket_id, user.pk, True)
        elif roll < CUSTOMER_ANSWERS + OWNER_RESUMES:
            self.push(self.later(calls.hours(self.rng, 1, 20)), "pause_end", ticket_id, user.pk, False)
        else:
            self.pause_limits.set(ticket.pk, ticket.pause_expires_at)

    def on_pause(self, ticket_id: int, user_id: int) -> None:
        state = self.read(ticket_id)
        memo = self.memos.get(ticket_id)
        if state is None or memo is None or memo.paused or not state.is_open or state.owner_id != user_id:
            return
        self.pause(ticket_id, self.org.users[user_id])
        if not memo.paused:
            self.plan_work(ticket_id, user_id, state.tier_id)

    def on_pause_end(self, ticket_id: int, user_id: int, customer: bool) -> None:
        """The customer answers (a note by the owner marked as their answer), or the owner resumes."""
        memo, state = self.memos[ticket_id], self.read(ticket_id)
        if not memo.paused or not state.is_open:
            return
        user = self.org.users[state.owner_id or user_id]
        if customer:
            actions.do_add_note(
                ticket_id, by=user, body=self.rng.choice(texts.CUSTOMER_ANSWERS), internal=False,
                customer_answer=True, now=self.now,
            )
            self.counts["customer_answers"] += 1
            ticket = Ticket.objects.get(pk=ticket_id)
        else:
            ticket = actions.do_resume_ticket(ticket_id, by=user, now=self.now)
        self.after_pause(self.remember(ticket))

    def expire_pauses(self) -> None:
        """End the pauses past their limit, as beat's ``escalation.expire_pauses`` would."""
        if not self.pause_limits.any_due(self.now):
            return
        result = actions.do_expire_pauses(now=self.now)
        self.pause_limits.pop_due(self.now)
        self.counts["pauses_expired"] += result.expired
        for ticket in Ticket.objects.filter(pk__in=sorted(result.ticket_ids)).order_by("pk"):
            if ticket.pk in self.memos:
                self.after_pause(self.remember(ticket))

    def after_pause(self, ticket: Ticket) -> None:
        """The clock runs again: a new deadline, and the owner gets back to it."""
        self.memos[ticket.pk].paused = False
        self.deadlines.set(ticket.pk, ticket.due_at)
        if ticket.owner_id is not None:
            self.push(self.later(calls.minutes(self.rng, 10, 120)), "work", ticket.pk, ticket.owner_id)

    def sits_off_shift(self, user_id: int) -> bool:
        """An agent with shifts leaves a ticket for tomorrow, and the clock runs out overnight."""
        return user_id in self.shift_workers and self.rng.random() < SHIFT_WORKER_SITS
