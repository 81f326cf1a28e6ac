"""Two years of a call centre, ending with the measured month, as rows for COPY.

``History(...).run(sink)`` plays every ticket opened from 23 months before the measured
month up to the database's "now" (06:30 local on the 1st of the month after it, before
the monthly summary goes out at 07:00), through ``bench.lifecycle``: exactly ``tickets``
tickets, ``month_tickets`` of them opened in the measured month, the volume growing over
the two years, weekdays busier than weekends, calls mostly in the day. It writes

* customers, about one in four tickets from a customer who called before, and follow-ups:
  some of the tickets resolved in the last ten days come back from the same customer
  (naming the earlier ticket, or in the same category, or about something else);
* tickets with their final columns, handoffs, holdings, and survey answers (about a third
  of the customers with an email answer, within hours or days, some after the month);

in the order the application would have written them (rows of each table by time), to
``sink.write(table, line)``.

With ``extras`` (``manage.py generate_load``) it also writes notes and referrals, and the
skewed cases a real desk has: one top-tier expert who keeps claiming the breached backlog
(thousands of open tickets in one person's hands), a customer who calls hundreds of
times, and a ticket claimed and released hundreds of times. These draw on a random
generator of their own, so the rows of a run without extras stay the same.
"""

import dataclasses
import heapq
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bench.customers import customer_name
from bench.lifecycle import DAY, HOUR, MINUTE, NULL, Life, Output, Player, Stop

# Customers speak the four languages in turn (their surveys would go out in them).
CUSTOMER_LANGUAGES = ("en", "hr", "hi", "ro")

ZONE = ZoneInfo("Europe/Bucharest")
HISTORY_MONTHS = 24  # the measured month and the 23 before it
# Of the tickets not solved on the call, those that breach at the top and stay open: with
# the tickets still in progress at "now", 5 % of all tickets are open.
STUCK_SHARE = 0.058
RETURN_SHARE = 0.07  # openings that are a customer coming back after a resolution
ANSWER_SHARE = 0.3
CHANNELS = ["phone"] * 45 + ["email"] * 20 + ["web"] * 15 + ["chat"] * 17 + ["in_person"] * 3
SUBJECTS = [
    "Invoice higher than usual",
    "Internet drops every evening",
    "Parcel not delivered",
    "Cannot log in to the account",
    "Charged twice for one order",
    "Router replacement",
    "Change of contract",
    "Wrong item received",
]
COMMENTS = [
    "Thanks, quick and clear.",
    "Took far too long.",
    "Nobody told me what was happening.",
    "Friendly people, problem solved.",
    "I had to explain everything three times.",
    "Fine.",
]
TABLES = {
    "tickets_customer": "id, name, email, phone, external_reference, language, created_at",
    "tickets_ticket": (
        "id, subject, description, customer_id, channel, category_id, priority, department_id,"
        " tier_id, owner_id, status, opened_at, opened_by_id, tier_entered_at, due_at,"
        " owned_since, resolved_at, resolved_by_id, resolution, resolved_on_first_call,"
        " breached, breached_at, previous_ticket_id, handoff_count, tiers_visited,"
        " last_handoff_at"
    ),
    "tickets_handoff": (
        "ticket_id, kind, at, actor_id, from_owner_id, to_owner_id, from_tier_id, to_tier_id,"
        " from_department_id, to_department_id, note, sweep_lateness, since_previous,"
        " tier_time, due_at, held_for, charged_to_id"
    ),
    "tickets_holding": "ticket_id, owner_id, tier_id, first_received_at",
    "reports_surveyresponse": (
        "ticket_id, rating, reason_fast, reason_first_time, reason_friendly,"
        " reason_kept_informed, reason_other, comment, answered_at"
    ),
    "tickets_note": "ticket_id, author_id, body, internal, is_customer_answer, created_at",
    "tickets_referral": (
        "ticket_id, department_id, question, asked_by_id, asked_at, due_at, claimed_by_id,"
        " claimed_at, answer, answered_by_id, answered_at, overdue_flagged_at"
    ),
}
# The extras (see the module's docstring).
NOTE_SHARE = 0.3
NOTES = [
    "Customer called again, same problem.",
    "Sent the troubleshooting steps by email.",
    "Waiting for the courier's answer.",
    "Customer prefers to be called after 17:00.",
    "Checked the account: no payment since March.",
    "Photos of the damage received.",
]
REFERRAL_SHARE = 0.03
QUESTIONS = [
    "Is the X200 kettle back in stock this week?",
    "Can you confirm the refund was sent?",
    "Is there a known fault on the line in this area?",
    "May we offer a discount on the renewal?",
]
ANSWERS = ["Yes, from Thursday.", "Sent on Monday.", "Known fault, fixed by Friday.", "Up to 10 %."]
REFERRAL_ANSWER_WITHIN = 4 * HOUR  # departments.models.DEFAULT_REFERRAL_RESPONSE_WITHIN
FLAG_AFTER = 30  # seconds: the referral sweep runs every minute
FREQUENT_CALLS = 250  # tickets of the customer who calls most
LONG_TICKET_MOVES = 320  # claims and releases on the ticket with the longest trail
HOARDED_SHARE, HOARDED_MAX = 0.03, 6_000  # open tickets the hoarding expert ends up with


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def local_midnight(day: date) -> int:
    return epoch(datetime(day.year, day.month, day.day, tzinfo=ZONE))


def months_back(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + month - 1 - n
    return index // 12, index % 12 + 1


class Timestamps:
    """Instants (epoch seconds) as PostgreSQL text, from two lookup tables: fast enough for
    millions of rows."""

    def __init__(self, first: int, last: int):
        self.base = first // DAY
        days = last // DAY - self.base + 2
        self.days = [
            (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=self.base + i)).strftime("%Y-%m-%d ")
            for i in range(days)
        ]
        self.times = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}+00" for s in range(DAY)]

    def __call__(self, instant: int) -> str:
        return self.days[instant // DAY - self.base] + self.times[instant % DAY]


@dataclass
class Sizes:
    tickets: int
    month_tickets: int
    year: int = 2026
    month: int = 10
    # Tickets opened after the measured month, up to "now": by default the night before
    # 06:30 on the 1st.
    after_month: int | None = None
    # The measured month and those before it; the volume grows over them, unless ``steady``
    # (``bench.load``: the same desk every month, its history as long as the tickets need).
    months: int = HISTORY_MONTHS
    steady: bool = False

    def per_month(self) -> list[tuple[int, int, int]]:
        """[(year, month, tickets opened)] oldest first; the measured month last."""
        morning = self.after_month
        if morning is None:
            morning = max(1, round(self.month_tickets * 0.004))  # the night before "now"
        earlier = self.tickets - self.month_tickets - morning
        if earlier < 0:
            raise ValueError("the month cannot hold more tickets than the whole database")
        span = self.months
        weights = [1.0 if self.steady else 1 + 1.5 * i / max(1, span - 2) for i in range(span - 1)]
        counts = _apportion(earlier, weights)
        months = [months_back(self.year, self.month, span - 1 - i) for i in range(span)]
        result = [(y, m, n) for (y, m), n in zip(months[:-1], counts, strict=True)]
        return [*result, (self.year, self.month, self.month_tickets)], morning


def _apportion(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights``, exactly (largest remainders)."""
    scale = total / sum(weights)
    shares = [w * scale for w in weights]
    counts = [int(s) for s in shares]
    for i in sorted(range(len(shares)), key=lambda i: counts[i] - shares[i])[: total - sum(counts)]:
        counts[i] += 1
    return counts


@dataclass
class Hoarder:
    """Someone at ``tier`` who claims every unowned ticket of its breached backlog and keeps
    it, until ``limit`` are theirs."""

    tier: int
    agent: int
    limit: int
    taken: int = 0


class SkewedPlayer(Player):
    """The same lives, except that the hoarder takes the stuck backlog at their tier."""

    hoarder: Hoarder

    def _after_breach(self, life: Life, stuck: bool) -> None:
        hoarder = self.hoarder
        if stuck and life.owner is None and hoarder.tier == life.tier.id and hoarder.taken < hoarder.limit:
            life.claim(life.last_at + self.rng.randint(HOUR, 5 * DAY), hoarder.agent)
            hoarder.taken += 1
            return
        super()._after_breach(life, stuck)

class History:
    def __init__(self, organisation, sizes: Sizes, *, start_id: int, start_customer: int, seed: int,
                 now: int | None = None, extras: bool = False):
        if extras:  # the ticket with the longest trail is one of the ``tickets``
            sizes = dataclasses.replace(sizes, tickets=sizes.tickets - 1)
        self.org, self.sizes, self.seed = organisation, sizes, seed
        self.rng = random.Random(seed)
        self.player = (SkewedPlayer if extras else Player)(organisation.cast, self.rng)
        self.next_ticket, self.next_customer = start_id, start_customer
        self.first_customer = start_customer
        first_month = months_back(sizes.year, sizes.month, sizes.months - 1)
        self.start = local_midnight(date(*first_month, 1))
        after = months_back(sizes.year, sizes.month, -1)
        self.month_start = local_midnight(date(sizes.year, sizes.month, 1))
        self.month_end = local_midnight(date(*after, 1))
        self.now = self.month_end + 6 * HOUR + 30 * MINUTE  # 06:30 local on the 1st
        if now is not None:
            if now <= self.month_end:
                raise ValueError("now must come after the measured month")
            self.now = now
        self.ts = Timestamps(self.start, self.now + 15 * DAY)
        self.customers_with_email = bytearray()
        self.stats = {"tickets": 0, "month_tickets": 0, "open": 0, "answers": 0, "customers": 0}
        self.extras = extras
        if extras:
            self.extra_rng = random.Random(seed + 2)
            self.frequent_customer: int | None = None
            self.frequent_share = FREQUENT_CALLS / sizes.tickets
            self.player.hoarder = self._hoarder(sizes.tickets)
            self.stats.update(notes=0, referrals=0, frequent_customer=0, long_ticket=0)
        self.progress = None  # called with the number of tickets played, every 1,000

    # --- the calendar ----------------------------------------------------------------

    def openings(self):
        """Every opening instant, in order."""
        months, morning = self.sizes.per_month()
        rng = random.Random(self.seed + 1)
        for year, month, count in months:
            first = date(year, month, 1)
            following = date(*months_back(year, month, -1), 1)
            days = [first + timedelta(days=i) for i in range((following - first).days)]
            weights = [{5: 0.55, 6: 0.35}.get(d.weekday(), 1.0) for d in days]
            per_day = dict.fromkeys(range(len(days)), 0)
            for i in rng.choices(range(len(days)), weights=weights, k=count):
                per_day[i] += 1
            for i, day in enumerate(days):
                midnight = local_midnight(day)
                length = local_midnight(day + timedelta(days=1)) - midnight
                times = (midnight + self._time_of_day(rng, length) for _ in range(per_day[i]))
                yield from sorted(times)
        yield from sorted(
            self.month_end + rng.randrange(self.now - self.month_end) for _ in range(morning)
        )

    @staticmethod
    def _time_of_day(rng, length: int) -> int:
        if rng.random() < 0.85:  # office hours, busiest late in the morning
            return min(length - 1, int(8 * HOUR + rng.triangular(0, 12 * HOUR, 3 * HOUR)))
        return rng.randrange(length)

    # --- the run ---------------------------------------------------------------------

    def run(self, sink) -> dict:
        """Play every ticket and write its rows to ``sink``; return what was written."""
        pending: list = []  # (at, seq, table, line): rows waiting for their time
        seq = 0

        def later(table):
            def add(at, line):
                nonlocal seq
                seq += 1
                heapq.heappush(pending, (at, seq, table, line))
            return add

        out = Output(self.ts, later("tickets_handoff"), later("tickets_holding"))
        answer = later("reports_surveyresponse")
        self.write_note, self.write_referral = later("tickets_note"), later("tickets_referral")
        resolved: list = []  # (resolved_at, ticket, customer, category, department) to come
        recent: list = []  # the same, resolved already, in order; ``oldest`` is the window start
        oldest = 0
        rng = self.rng
        for at in self.openings():
            while pending and pending[0][0] <= at:
                _at, _seq, table, line = heapq.heappop(pending)
                sink.write(table, line)
            while resolved and resolved[0][0] < at:
                recent.append(heapq.heappop(resolved))
            while oldest < len(recent) and recent[oldest][0] < at - 10 * DAY:
                oldest += 1
            earlier = None
            if oldest < len(recent) and rng.random() < RETURN_SHARE:
                earlier = recent[rng.randrange(oldest, len(recent))]
            life = self._ticket(sink, out, at, earlier, answer)
            if life.resolved_at is not None:
                heapq.heappush(resolved, (life.resolved_at, life.id, life.customer, life.category,
                                          life.department_id))
            if self.progress is not None and self.stats["tickets"] % 1000 == 0:
                self.progress(self.stats["tickets"])
        if self.extras:
            start = self.now - 4 * HOUR - 30 * MINUTE
            while pending and pending[0][0] <= start:
                _at, _seq, table, line = heapq.heappop(pending)
                sink.write(table, line)
            self._long_ticket(sink, out, start)
            self.stats["hoarded"] = self.player.hoarder.taken
        if self.progress is not None:
            self.progress(self.stats["tickets"])
        while pending:
            _at, _seq, table, line = heapq.heappop(pending)
            sink.write(table, line)
        return self.stats

    def _ticket(self, sink, out, at, earlier, answer) -> Life:
        rng, org, stats = self.rng, self.org, self.stats
        previous = None
        if earlier is not None:
            _r, previous_id, customer, category, department_id = earlier
            roll = rng.random()
            previous = previous_id if roll < 0.5 else None
            if roll >= 0.85:
                category = org.category(rng)  # something else entirely
            department = (
                org.department(department_id) if rng.random() < 0.7 else org.pick_department(rng)
            )
        else:
            department = org.pick_department(rng)
            category = org.category(rng)
            customer = self._customer(sink, at)
        channel = rng.choice(CHANNELS)
        first_call = channel in ("phone", "chat", "in_person") and rng.random() < 0.25
        by_intake = rng.random() < (0.7 if channel in ("email", "web") else 0.05)
        life = Life(out, self.next_ticket, self.now)
        self.next_ticket += 1
        life.customer, life.category = customer, category
        self.player.open(life, at, department, first_call=first_call and not by_intake,
                         by_intake=by_intake)
        if life.resolved_at is None:
            self.player.play(life, stuck=rng.random() < STUCK_SHARE)
        sink.write(
            "tickets_ticket",
            life.ticket_line(self.ts, subject=rng.choice(SUBJECTS), customer=customer,
                             channel=channel, category=category, previous=previous),
        )
        stats["tickets"] += 1
        stats["month_tickets"] += self.month_start <= at < self.month_end
        stats["open"] += life.resolved_at is None
        if life.resolved_at is not None and self.customers_with_email[customer - self.first_customer]:
            self._survey(life, answer)
        if self.extras:
            self._notes(life)
            self._referral(life)
        return life

    def _customer(self, sink, at) -> int:
        rng = self.rng
        if self.extras and self.extra_rng.random() < self.frequent_share:
            if self.frequent_customer is None:
                self.frequent_customer = self._new_customer(sink, at)
            self.stats["frequent_customer"] += 1
            return self.frequent_customer
        if self.next_customer > self.first_customer and rng.random() < 0.25:
            return rng.randrange(self.first_customer, self.next_customer)
        return self._new_customer(sink, at)

    def _new_customer(self, sink, at) -> int:
        rng = self.rng
        customer = self.next_customer
        self.next_customer += 1
        has_email = rng.random() < 0.85
        self.customers_with_email.append(has_email)
        email = f"customer{customer}@example.net" if has_email else ""
        sink.write(
            "tickets_customer",
            f"{customer}\t{customer_name(customer)}\t{email}\t+40 7{customer % 100000000:08d}\t\t"
            f"{CUSTOMER_LANGUAGES[customer % len(CUSTOMER_LANGUAGES)]}\t{self.ts(at)}\n",
        )
        self.stats["customers"] += 1
        return customer

    def _survey(self, life: Life, answer) -> None:
        rng = self.rng
        if rng.random() >= ANSWER_SHARE:
            return
        # Some answer as soon as the email arrives, most within a few days.
        wait = 40 * MINUTE if rng.random() < 0.4 else 2 * DAY
        at = life.resolved_at + MINUTE + int(rng.expovariate(1 / wait))
        at = min(at, life.resolved_at + 14 * DAY - MINUTE)  # the link expires after 14 days
        if at >= self.now:
            return
        satisfied = rng.random() < _satisfied_chance(life)
        rating = rng.choice((4, 5)) if satisfied else rng.choice((1, 2, 3))
        flags = "\t".join("t" if rng.random() < p else "f" for p in (0.4, 0.3, 0.35, 0.2, 0.05))
        comment = rng.choice(COMMENTS) if rng.random() < 0.35 else ""
        answer(at, f"{life.id}\t{rating}\t{flags}\t{comment}\t{self.ts(at)}\n")
        self.stats["answers"] += 1

    # --- the extras ------------------------------------------------------------------

    def _hoarder(self, tickets: int) -> Hoarder:
        """The expert at customer service's top tier who claims the backlog and keeps it."""
        department = self.org.department(self.org.department_ids["bench-cs"])
        top = department.tiers[-1]
        agent = next(a for a in top.rosters[-1][1] if a not in top.leads)
        return Hoarder(top.id, agent.id, min(HOARDED_MAX, max(1, round(tickets * HOARDED_SHARE))))

    def _long_ticket(self, sink, out, at) -> None:
        """A front-line ticket claimed and released over and over since ``at``, still open."""
        rng = self.extra_rng
        tier = self.org.department(self.org.department_ids["bench-cs"]).entry
        members = tier.members_at(at)
        life = Life(out, self.next_ticket, self.now)
        self.next_ticket += 1
        life.customer, life.category = self._customer(sink, at), self.org.category(rng)
        first = rng.choice(members).id
        life.open(at, first, tier, first)
        moment = at
        try:
            for _move in range(LONG_TICKET_MOVES):
                moment += rng.randint(30, 60)
                if moment >= life.due - MINUTE:
                    break
                if life.owner is None:
                    life.claim(moment, rng.choice(members).id)
                else:
                    life.release(moment, life.owner, rng.choice(("", "Not mine", "Back to the queue")))
        except Stop:
            pass
        sink.write("tickets_ticket", life.ticket_line(
            self.ts, subject="Keeps coming back to the queue", customer=life.customer,
            channel="phone", category=life.category, previous=None,
        ))
        self.stats["tickets"] += 1
        self.stats["open"] += 1
        self.stats["long_ticket"], self.stats["long_ticket_handoffs"] = life.id, life.count
        self._notes(life)

    def _end(self, life: Life) -> int:
        """The last instant a note or a question could be written on the ticket."""
        return (life.resolved_at if life.resolved_at is not None else self.now) - 1

    def _notes(self, life: Life) -> None:
        rng = self.extra_rng
        if rng.random() >= NOTE_SHARE or life.opened_by is None:
            return
        span = self._end(life) - life.opened_at
        for _note in range(rng.choice((1, 1, 1, 2, 3))):
            at = life.opened_at + rng.randint(0, max(0, span))
            internal = "t" if rng.random() < 0.8 else "f"
            self.write_note(at, f"{life.id}\t{life.opened_by}\t{rng.choice(NOTES)}\t{internal}\tf\t"
                                f"{self.ts(at)}\n")
            self.stats["notes"] += 1

    def _referral(self, life: Life) -> None:
        """A question to another department, answered by its front line (or not yet)."""
        rng = self.extra_rng
        if rng.random() >= REFERRAL_SHARE or life.opened_by is None:
            return
        asked = life.opened_at + rng.randint(5 * MINUTE, HOUR)
        if asked >= self._end(life):
            return
        target = rng.choice([d for d in self.org.cast.departments if d.id != life.department_id])
        due = asked + REFERRAL_ANSWER_WITHIN
        who = rng.choice(target.entry.members_at(asked)).id
        claimed = asked + MINUTE + int(rng.expovariate(1 / HOUR))
        answered = claimed + MINUTE + int(rng.expovariate(1 / (2 * HOUR)))
        if rng.random() < 0.1:
            answered = self.now + DAY  # never answered
        claimed_by, claimed_at = (who, self.ts(claimed)) if claimed < self.now else (NULL, NULL)
        if answered < self.now:
            answer = (rng.choice(ANSWERS), str(who), self.ts(answered))
        else:
            answer = ("", NULL, NULL)
        flagged = due + FLAG_AFTER
        late = answered > flagged and flagged < self.now
        question = rng.choice(QUESTIONS)
        self.write_referral(asked, (
            f"{life.id}\t{target.id}\t{question}\t{life.opened_by}\t{self.ts(asked)}\t"
            f"{self.ts(due)}\t{claimed_by}\t{claimed_at}\t{answer[0]}\t{answer[1]}\t{answer[2]}\t"
            f"{self.ts(flagged) if late else NULL}\n"
        ))
        self.stats["referrals"] += 1


def _satisfied_chance(life: Life) -> float:
    """Customers like few handoffs and no breach."""
    return max(0.1, 0.85 - 0.07 * life.count - (0.3 if life.breached_at is not None else 0))

