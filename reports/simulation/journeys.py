"""Two journeys scripted a few times a week, because chance alone makes them rare.

- **Timed out twice at tier 1**: the time-out sitter takes the call and sits on it; the
  clock escalates it; a specialist transfers it to another department, which sends it
  back to the front line; the sitter claims it again, and the clock escalates it again.
- **Passed up twice**: an ordinary agent passes it up with a proper note; a specialist
  transfers it away; it comes back to the front line, where the same agent passes it up
  once more.

Mixed into ``Behaviour``: ``journey_arrival`` steers a scripted ticket that arrives in a
queue, ``journey_work`` makes its owner's scripted move; both return False where the
journey has nothing to say, and the ticket is handled as any other.
"""

from reports.simulation import calls, texts
from reports.simulation.cast import TIMEOUT_SITTER, TierSeat

TIMED_OUT_TWICE = "timed_out_twice"
PASSED_TWICE = "passed_twice"
JOURNEY_PER_DAY = 0.3


class Journeys:
    def day_journeys(self) -> list[str]:
        if not self.org.others:
            return []
        return [j for j in (TIMED_OUT_TWICE, PASSED_TWICE) if self.rng.random() < JOURNEY_PER_DAY]

    def journey_arrival(self, ticket_id: int, memo, seat: TierSeat) -> bool:
        """Steer a scripted ticket arriving in a queue; False lets the queue take it as usual."""
        first, second = self.org.front.tiers[0], self.org.front.tiers[1]
        if memo.journey == TIMED_OUT_TWICE:
            if memo.stage == 0 and seat.id == second.id:  # escalated from tier 1 the first time
                memo.stage = 1
                return self.scripted_claim(ticket_id, seat, self.rng.choice(self.ordinary(seat)))
            if memo.stage == 2 and seat.id == first.id:  # sent back: the sitter takes it again
                memo.stage = 3
                return self.scripted_claim(ticket_id, seat, self.cast[TIMEOUT_SITTER].pk)
            if memo.stage == 3 and seat.id == second.id:  # escalated from tier 1 again
                self.finish_journey(ticket_id, memo, 4)
        elif memo.journey == PASSED_TWICE:
            if memo.stage == 1 and seat.id == second.id:
                memo.stage = 2
                return self.scripted_claim(ticket_id, seat, self.rng.choice(self.ordinary(seat)))
            if memo.stage == 3 and seat.id == first.id:
                memo.stage = 4
                opener = (
                    memo.opener_id
                    if memo.opener_id in seat.members
                    else self.rng.choice(self.ordinary(seat))
                )
                return self.scripted_claim(ticket_id, seat, opener)
            if memo.stage == 5 and seat.id == second.id:
                self.finish_journey(ticket_id, memo, 6)
        return False

    def journey_work(self, ticket_id: int, state, memo, user) -> bool:
        """The owner's scripted move, if the journey has one here; False for ordinary work."""
        first, second = self.org.front.tiers[0], self.org.front.tiers[1]
        rng = self.rng
        away = (memo.journey, memo.stage) in {(TIMED_OUT_TWICE, 1), (PASSED_TWICE, 2)}
        if away and state.tier_id == second.id:
            memo.stage += 1
            target = rng.choice(self.org.others)
            self.transfer(
                ticket_id, user, target.id, rng.choice(texts.TRANSFER_NOTES), send_back=True
            )
            return True
        if memo.journey == PASSED_TWICE and memo.stage in (0, 4) and state.tier_id == first.id:
            memo.stage += 1
            self.pass_up(ticket_id, user, rng.choice(texts.PASS_NOTES))
            return True
        return False

    def scripted_claim(self, ticket_id: int, seat: TierSeat, user_id: int) -> bool:
        self.push(self.later(calls.minutes(self.rng, 10, 60)), "claim", ticket_id, seat.id, user_id)
        return True

    def finish_journey(self, ticket_id: int, memo, stage: int) -> None:
        memo.stage = stage
        self.scripted.discard(ticket_id)
        self.examples[memo.journey].append(ticket_id)
