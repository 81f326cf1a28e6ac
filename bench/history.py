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
"""

import heapq
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bench.lifecycle import DAY, HOUR, MINUTE, Life, Output, Player

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
}


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

    def per_month(self) -> list[tuple[int, int, int]]:
        """[(year, month, tickets opened)] oldest first; the measured month last."""
        morning = max(1, round(self.month_tickets * 0.004))  # the night before "now"
        earlier = self.tickets - self.month_tickets - morning
        if earlier < 0:
            raise ValueError("the month cannot hold more tickets than the whole database")
        weights = [1 + 1.5 * i / (HISTORY_MONTHS - 2) for i in range(HISTORY_MONTHS - 1)]
        counts = _apportion(earlier, weights)
        months = [months_back(self.year, self.month, HISTORY_MONTHS - 1 - i) for i in range(HISTORY_MONTHS)]
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


class History:
    def __init__(self, organisation, sizes: Sizes, *, start_id: int, start_customer: int, seed: int):
        self.org, self.sizes, self.seed = organisation, sizes, seed
        self.rng = random.Random(seed)
        self.player = Player(organisation.cast, self.rng)
        self.next_ticket, self.next_customer = start_id, start_customer
        self.first_customer = start_customer
        first_month = months_back(sizes.year, sizes.month, HISTORY_MONTHS - 1)
        self.start = local_midnight(date(*first_month, 1))
        after = months_back(sizes.year, sizes.month, -1)
        self.month_start = local_midnight(date(sizes.year, sizes.month, 1))
        self.month_end = local_midnight(date(*after, 1))
        self.now = self.month_end + 6 * HOUR + 30 * MINUTE  # 06:30 local on the 1st
        self.ts = Timestamps(self.start, self.now + 15 * DAY)
        self.customers_with_email = bytearray()
        self.stats = {"tickets": 0, "month_tickets": 0, "open": 0, "answers": 0, "customers": 0}

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
        return life

    def _customer(self, sink, at) -> int:
        rng = self.rng
        if self.next_customer > self.first_customer and rng.random() < 0.25:
            return rng.randrange(self.first_customer, self.next_customer)
        customer = self.next_customer
        self.next_customer += 1
        has_email = rng.random() < 0.85
        self.customers_with_email.append(has_email)
        email = f"customer{customer}@example.net" if has_email else ""
        sink.write(
            "tickets_customer",
            f"{customer}\tCustomer {customer}\t{email}\t+40 7{customer % 100000000:08d}\t\t"
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


def _satisfied_chance(life: Life) -> float:
    """Customers like few handoffs and no breach."""
    return max(0.1, 0.85 - 0.07 * life.count - (0.3 if life.breached_at is not None else 0))

