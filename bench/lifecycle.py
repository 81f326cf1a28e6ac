"""One ticket's life, played in memory and written as tickets/actions/ would have written it.

``Life`` holds a ticket's state and changes it only by the moves the actions allow (open,
claim, release, assign, pass up, transfer, resolve) and the sweep's two (escalate, breach).
Each move appends one ledger row with the facts the actions store (``since_previous``,
``tier_time``, ``due_at`` before the move, ``held_for``, a time-out's ``charged_to`` by
tickets/responsibility.py), keeps the journey columns and one holding per (owner, tier)
first given. ``play`` chooses the moves: agents' habits, queues, the sweep's minute,
transfers and their returns, breaches, the stuck backlog. Instants are whole seconds since
the Unix epoch (UTC); a move at or after the database's "now" (``stop_at``) is never made.
"""

from dataclasses import dataclass, field

MINUTE, HOUR, DAY = 60, 3600, 86400
NOT_A_CHANGE_OF_HANDS = frozenset({"opened", "resolved", "breached"})
# The settings the sweep applies when it charges a time-out (tickets/responsibility.py).
LATE_RELEASE_SHARE = 0.25
LATE_RECEIPT = 60 * MINUTE

THIN_NOTES = ["see above", "for T2", "tried", "pls check", "not mine", "no idea", "escalating"]
PASS_NOTES = [
    "Checked the order and the courier; needs the warehouse.",
    "Customer restarted the router twice, the line still drops every hour.",
    "Refund is over my limit; receipts are attached to the ticket.",
    "Reproduced on two accounts, looks like a fault in the billing run.",
    "Asked for the serial number and photos; the device needs a specialist.",
]
TRANSFER_NOTES = [
    "This is about an invoice, not the service itself.",
    "Customer wants to change the contract: sales decides that.",
    "Technical fault confirmed, nothing customer service can do.",
    "Payment taken twice; billing has to reverse one of them.",
]
RELEASE_NOTES = ["", "", "", "end of shift", "Going to a training, back tomorrow."]
RESOLUTIONS = [
    "Explained the charge and sent the statement.",
    "Replaced the device; courier booked.",
    "Reset the account and confirmed with the customer.",
    "Refunded the double payment.",
    "Sorted.",
]


class Stop(Exception):
    """The next move would come at or after the database's "now"."""


@dataclass(eq=False)
class Agent:
    id: int
    habit: str = "ordinary"  # ordinary, quick_passer, late_releaser, sitter, transferrer


@dataclass(eq=False)
class Tier:
    id: int
    department_id: int
    level: int
    name: str
    # (since, seconds): the tier's resolve-within time as configured from ``since`` on.
    times: list[tuple[int, int]]
    # (since, agents): who sits at the tier from ``since`` on (a promotion changes it).
    rosters: list[tuple[int, list[Agent]]] = field(default_factory=list)
    leads: list[Agent] = field(default_factory=list)
    above: "Tier | None" = None

    def time_at(self, at: int) -> int:
        seconds = self.times[0][1]
        for since, value in self.times:
            if at >= since:
                seconds = value
        return seconds

    def members_at(self, at: int) -> list[Agent]:
        members = self.rosters[0][1]
        for since, agents in self.rosters:
            if at >= since:
                members = agents
        return members


@dataclass(eq=False)
class Department:
    id: int
    tiers: list[Tier]
    share: float

    @property
    def entry(self) -> Tier:
        return self.tiers[0]


class Output:
    """Where a life's rows go: ``handoff``/``holding`` get (at, line); ``ts`` formats an instant."""

    def __init__(self, ts, handoff, holding):
        self.ts, self.handoff, self.holding = ts, handoff, holding


NULL = "\\N"


def _n(value) -> str:
    return NULL if value is None else str(value)


def _t(ts, instant) -> str:
    return NULL if instant is None else ts(instant)


class Life:
    """A ticket's state, changed only by moves the actions allow, each written to the ledger."""

    def __init__(self, out: Output, ticket_id: int, stop_at: int):
        self.out, self.id, self.stop_at = out, ticket_id, stop_at
        self.owner = self.owned_since = self.tier = self.department_id = None
        self.entered = self.due = self.last_at = self.opened_at = self.opened_by = None
        self.count, self.visited, self.holdings = 0, set(), set()
        self.breached_at = self.resolved_at = self.resolved_by = None
        self.first_call, self.resolution = False, ""
        self.releases: list[tuple] = []  # this visit's releases: (at, actor, from_owner, due, time)
        self.transfers, self.passed_in_at = 0, None
        self.return_to = self.return_after = None  # a transfer the other side will send back

    # --- the ledger --------------------------------------------------------------------

    def _write(self, kind, at, actor, to_owner, to_tier, to_department, note, *, lateness=None,
               charged=None):
        """One ledger row with the ticket's state before the move, then the state after it."""
        if at >= self.stop_at:
            raise Stop
        tier_time = self.tier.time_at(at)
        held = at - self.owned_since if self.owner is not None else None
        ts = self.out.ts
        line = (
            f"{self.id}\t{kind}\t{ts(at)}\t{_n(actor)}\t{_n(self.owner)}\t{_n(to_owner)}\t"
            f"{self.tier.id}\t{to_tier.id}\t{self.department_id}\t{to_department}\t{note}\t"
            f"{_n(lateness)}\t{at - self.last_at}\t{tier_time}\t{ts(self.due)}\t{_n(held)}\t"
            f"{_n(charged)}\n"
        )
        self.out.handoff(at, line)
        if kind not in NOT_A_CHANGE_OF_HANDS:
            self.count += 1
        self.visited.add(to_tier.id)
        self.last_at = at
        if kind == "resolved":
            return
        if to_owner != self.owner:
            self.owned_since = at if to_owner is not None else None
        self.owner = to_owner
        if to_owner is not None:
            self._hold(at, to_owner, to_tier)
        if to_tier is not self.tier or to_department != self.department_id:
            self.tier, self.department_id = to_tier, to_department
            self.entered, self.due = at, at + to_tier.time_at(at)
            self.releases = []

    def _hold(self, at, owner, tier) -> None:
        if (owner, tier.id) not in self.holdings:
            self.holdings.add((owner, tier.id))
            self.out.holding(at, f"{self.id}\t{owner}\t{tier.id}\t{self.out.ts(at)}\n")

    # --- the moves (tickets/actions.py) ----------------------------------------------------

    def open(self, at, actor, tier: Tier, owner) -> None:
        if at >= self.stop_at:
            raise Stop
        self.opened_at, self.opened_by = at, actor
        self.tier, self.department_id = tier, tier.department_id
        tier_time = tier.time_at(at)
        self.entered, self.due, self.last_at = at, at + tier_time, at
        ts = self.out.ts
        self.out.handoff(
            at,
            f"{self.id}\topened\t{ts(at)}\t{_n(actor)}\t\\N\t{_n(owner)}\t\\N\t{tier.id}\t\\N\t"
            f"{tier.department_id}\t\t\\N\t\\N\t{tier_time}\t{ts(self.due)}\t\\N\t\\N\n",
        )
        self.visited.add(tier.id)
        self.owner = owner
        self.owned_since = at if owner is not None else None
        if owner is not None:
            self._hold(at, owner, tier)

    def claim(self, at, actor) -> None:
        self._write("claimed", at, actor, actor, self.tier, self.department_id, "")

    def assign(self, at, actor, assignee, note="") -> None:
        self._write("assigned", at, actor, assignee, self.tier, self.department_id, note)

    def release(self, at, actor, note="") -> None:
        owner, due = self.owner, self.due
        self._write("released", at, actor, None, self.tier, self.department_id, note)
        self.releases.append((at, actor, owner, due, self.tier.time_at(at)))

    def pass_up(self, at, actor, note) -> None:
        self.passed_in_at = at
        self._write("passed", at, actor, None, self.tier.above, self.department_id, note)

    def transfer(self, at, actor, department: Department, note) -> None:
        self.transfers += 1
        self.breached_at = None  # a new pyramid starts a new clock
        self.passed_in_at = None
        self._write("transferred", at, actor, None, department.entry, department.id, note)

    def resolve(self, at, actor, resolution, first_call=False) -> None:
        self._write("resolved", at, actor, self.owner, self.tier, self.department_id, resolution)
        self.resolved_at, self.resolved_by = at, actor
        self.resolution, self.first_call = resolution, first_call

    # --- the sweep (escalate_overdue) -------------------------------------------------

    def sweep_instant(self, rng) -> int:
        """The first sweep at or after the deadline: it runs every minute, for a second or two."""
        return self.due - self.due % MINUTE + MINUTE + rng.randint(0, 2)

    def charge(self) -> int | None:
        """tickets.responsibility.charge_time_out for the ticket as it stands."""
        last = self.releases[-1] if self.releases else None
        if self.owner is not None:
            late_receipt = self.due - self.owned_since < LATE_RECEIPT
            if last is not None and late_receipt and _late_release(last):
                return last[1]
            return self.owner
        return last[1] if last is not None else None

    def time_out(self, at) -> None:
        """Escalate one tier up, or mark the breach at the top tier (once)."""
        tier = self.tier
        hours = f"{tier.time_at(at) / 3600:g}"
        charged, lateness = self.charge(), at - self.due
        if tier.above is None:
            note = f"Not resolved within {hours} h at the top tier, {tier.name}."
            self._write("breached", at, None, self.owner, tier, self.department_id, note,
                        lateness=lateness, charged=charged)
            self.breached_at = at
        else:
            note = f"Not resolved within {hours} h at {tier.name}."
            self.passed_in_at = None
            self._write("escalated", at, None, None, tier.above, self.department_id, note,
                        lateness=lateness, charged=charged)

    def ticket_line(self, ts, *, subject, customer, channel, category, previous) -> str:
        resolved = self.resolved_at is not None
        return (
            f"{self.id}\t{subject}\t\t{customer}\t{channel}\t{_n(category)}\tnormal\t"
            f"{self.department_id}\t{self.tier.id}\t{_n(self.owner)}\t"
            f"{'resolved' if resolved else 'open'}\t{ts(self.opened_at)}\t{_n(self.opened_by)}\t"
            f"{ts(self.entered)}\t{ts(self.due)}\t{_t(ts, self.owned_since)}\t"
            f"{_t(ts, self.resolved_at)}\t{_n(self.resolved_by)}\t"
            f"{self.resolution}\t{'t' if self.first_call else 'f'}\t"
            f"{'t' if self.breached_at is not None else 'f'}\t{_t(ts, self.breached_at)}\t"
            f"{_n(previous)}\t{self.count}\t{len(self.visited)}\t{ts(self.last_at)}\n"
        )


def _late_release(release) -> bool:
    """tickets.responsibility.is_late_release for a release row (at, actor, from_owner, due, time)."""
    at, actor, from_owner, due, tier_time = release
    return actor == from_owner and due - at <= tier_time * LATE_RELEASE_SHARE


# --- who does what ---------------------------------------------------------------------


@dataclass
class Cast:
    """The people who are not seats at a tier: managers and the intake desk."""

    managers: list[int]
    intake: list[int]
    departments: list[Department]


# Per habit and tier kind, the weights of what an owner does next:
# (resolve, pass up, release, transfer, sit until the clock runs out, a manager steps in)
CHOICES = {
    ("ordinary", False): (60, 21, 7, 4, 5, 3),
    ("ordinary", True): (80, 0, 7, 3, 8, 2),
    ("quick_passer", False): (30, 60, 4, 2, 3, 1),
    ("quick_passer", True): (75, 0, 10, 5, 8, 2),
    ("late_releaser", False): (38, 14, 38, 3, 5, 2),
    ("late_releaser", True): (55, 0, 33, 2, 8, 2),
    ("sitter", False): (40, 12, 4, 2, 40, 2),
    ("sitter", True): (52, 0, 5, 2, 39, 2),
    ("transferrer", False): (38, 14, 5, 36, 5, 2),
    ("transferrer", True): (58, 0, 5, 27, 8, 2),
}
ACTIONS = ("resolve", "pass", "release", "transfer", "sit", "manager")
CUMULATIVE = {
    key: [sum(weights[: i + 1]) / sum(weights) for i in range(len(weights))]
    for key, weights in CHOICES.items()
}
# Mean wait in a tier's queue before someone claims, and the share nobody claims in time.
QUEUE_WAIT = {1: 25 * MINUTE, 2: 70 * MINUTE, 3: 150 * MINUTE}
NEGLECTED = {1: 0.02, 2: 0.04, 3: 0.07}


def _pick(rng, cumulative) -> int:
    roll = rng.random()
    for i, edge in enumerate(cumulative):
        if roll < edge:
            return i
    return len(cumulative) - 1


def _agents_by_id(cast: Cast) -> dict[int, Agent]:
    return {
        a.id: a
        for d in cast.departments
        for t in d.tiers
        for _since, roster in t.rosters
        for a in roster
    }


class Player:
    """Plays tickets through the organisation with one seeded random generator."""

    def __init__(self, cast: Cast, rng):
        self.cast, self.rng = cast, rng
        self.agents = _agents_by_id(cast)
        self.by_department = {d.id: d for d in cast.departments}

    def open(self, life: Life, at, department: Department, *, first_call, by_intake) -> None:
        rng, tier = self.rng, department.entry
        if by_intake:
            life.open(at, rng.choice(self.cast.intake), tier, None)
            return
        agent = rng.choice(tier.members_at(at)).id
        life.open(at, agent, tier, agent)
        if first_call:
            life.resolve(at, agent, rng.choice(RESOLUTIONS), first_call=True)

    def play(self, life: Life, *, stuck: bool) -> None:
        """Move the ticket until it is resolved, left in the backlog, or "now" comes."""
        try:
            while life.resolved_at is None:
                if life.breached_at is not None:
                    self._after_breach(life, stuck)
                    return
                self._visit(life, stuck)
        except Stop:
            pass

    def _visit(self, life: Life, stuck: bool) -> None:
        """One stay at a tier: until the ticket leaves it, is resolved, or breaches."""
        rng = self.rng
        tier = life.tier
        late_receiver = False
        # A transfer the other department sends back: planned when it arrived, made by
        # whoever takes it here, unless the clock runs out first.
        back, return_by = life.return_to, life.return_after
        life.return_to = life.return_after = None
        while True:
            if life.owner is None:
                if not self._find_owner(life, late_receiver, stuck):
                    life.time_out(life.sweep_instant(rng))
                    return
                if late_receiver:
                    life.time_out(life.sweep_instant(rng))  # they took it on and sat on it
                    return
            owner = self.agents.get(life.owner)
            habit = owner.habit if owner is not None else "ordinary"
            if back is not None:
                at = max(return_by, life.last_at + rng.randint(5 * MINUTE, HOUR))
                if at >= life.due:
                    life.time_out(life.sweep_instant(rng))
                    return
                life.transfer(at, life.owner, self.by_department[back], rng.choice(TRANSFER_NOTES))
                return
            action = ACTIONS[_pick(rng, CUMULATIVE[(habit, tier.above is None)])]
            if stuck and action == "resolve":
                action = "sit"
            if action == "transfer" and (life.transfers >= 3 or stuck):
                action = "sit" if stuck else "resolve"
            now, left = life.last_at, life.due - life.last_at
            if action == "sit":
                life.time_out(life.sweep_instant(rng))
                return
            if action == "resolve":
                bounce = life.passed_in_at is not None and rng.random() < 0.2
                at = now + (rng.randint(2, 25) * MINUTE if bounce else self._work(0.3 * tier.time_at(now)))
            elif action == "pass":
                quick = rng.random() < (0.8 if habit == "quick_passer" else 0.06)
                if quick:
                    at = max(now + 30, life.owned_since + rng.randint(60, 14 * MINUTE))
                else:
                    at = now + 16 * MINUTE + self._work(0.25 * tier.time_at(now))
            elif action == "release":
                late = rng.random() < (0.75 if habit == "late_releaser" else 0.15)
                if late:
                    at = life.due - int(rng.uniform(0.03, 0.24) * tier.time_at(now))
                    at = max(at, now + MINUTE)
                else:
                    at = now + rng.randint(5 * MINUTE, max(6 * MINUTE, left // 2))
            elif action == "transfer":
                at = now + rng.randint(5 * MINUTE, max(6 * MINUTE, int(0.4 * left)))
            else:  # a manager steps in
                at = now + rng.randint(30 * MINUTE, max(31 * MINUTE, int(0.8 * left)))
            if at >= life.due:
                life.time_out(life.sweep_instant(rng))  # the sweep got there first
                return
            if action == "resolve":
                life.resolve(at, life.owner, rng.choice(RESOLUTIONS))
                return
            if action == "pass":
                life.pass_up(at, life.owner, self._note(habit, PASS_NOTES))
                return
            if action == "release":
                late_release = life.due - at <= tier.time_at(at) * LATE_RELEASE_SHARE
                life.release(at, life.owner, rng.choice(RELEASE_NOTES))
                late_receiver = late_release and rng.random() < 0.45
                continue
            if action == "transfer":
                self._transfer(life, at, habit)
                return
            manager = rng.choice(self.cast.managers)
            if stuck:
                life.time_out(life.sweep_instant(rng))
                return
            if tier.above is not None and rng.random() < 0.6:
                life.pass_up(at, manager, rng.choice(PASS_NOTES))
            elif rng.random() < 0.5 and len(tier.members_at(at)) > 1:
                others = [a for a in tier.members_at(at) if a.id != life.owner]
                life.assign(at, manager, rng.choice(others).id, "Rebalancing the queue.")
                continue
            else:
                life.resolve(at, manager, rng.choice(RESOLUTIONS))
            return

    def _find_owner(self, life: Life, late_receiver: bool, stuck: bool) -> bool:
        """Someone takes the ticket from the queue before its deadline; False when nobody does."""
        rng, tier, now = self.rng, life.tier, life.last_at
        members = tier.members_at(now)
        if late_receiver:
            at = life.due - rng.randint(5 * MINUTE, 55 * MINUTE)
            if at <= now:
                return False
            life.claim(at, rng.choice([a for a in members if a.id != life.releases[-1][1]] or members).id)
            return True
        if rng.random() < (0.3 if stuck else NEGLECTED[min(tier.level, 3)]):
            return False
        at = now + 30 + int(rng.expovariate(1 / QUEUE_WAIT[min(tier.level, 3)]))
        if at >= life.due:
            return False
        roll = rng.random()
        if roll < 0.1 and tier.leads:
            life.assign(at, rng.choice(tier.leads).id, rng.choice(members).id)
        elif roll < 0.11:
            life.claim(at, rng.choice(self.cast.managers))
        else:
            life.claim(at, rng.choice(members).id)
        return True

    def _transfer(self, life: Life, at, habit) -> None:
        rng = self.rng
        others = [d for d in self.cast.departments if d.id != life.department_id]
        target = rng.choices(others, weights=[d.share for d in others])[0]
        thin = rng.random() < (0.6 if habit == "transferrer" else 0.2)
        note = rng.choice(THIN_NOTES) if thin else rng.choice(TRANSFER_NOTES)
        origin = life.department_id
        life.transfer(at, life.owner, target, note)
        # Ping-pong: the other department sends some straight back, most within the day.
        if rng.random() < 0.35 and life.transfers < 3:
            life.return_to = origin
            life.return_after = at + (
                rng.randint(20 * MINUTE, 23 * HOUR) if rng.random() < 0.85
                else rng.randint(25 * HOUR, 40 * HOUR)
            )

    def _after_breach(self, life: Life, stuck: bool) -> None:
        """Breached at the top tier: the sweep leaves it; someone resolves it later, or nobody."""
        rng, tier = self.rng, life.tier
        now = life.last_at
        members = tier.members_at(now)
        if stuck:
            if life.owner is None and rng.random() < 0.4:
                at = now + rng.randint(HOUR, 5 * DAY)
                life.claim(at, rng.choice(members).id)
                if rng.random() < 0.3:
                    life.release(at + rng.randint(HOUR, 2 * DAY), life.owner, "")
            return
        if life.owner is None:
            if rng.random() < 0.15:
                life.resolve(now + rng.randint(30 * MINUTE, 2 * DAY), rng.choice(self.cast.managers),
                             rng.choice(RESOLUTIONS))
                return
            life.claim(now + rng.randint(10 * MINUTE, 2 * DAY), rng.choice(members).id)
        life.resolve(life.last_at + rng.randint(10 * MINUTE, DAY), life.owner, rng.choice(RESOLUTIONS))

    def _work(self, mean: float) -> int:
        return 60 + int(self.rng.expovariate(1 / max(mean, 60)))

    def _note(self, habit, notes) -> str:
        thin = self.rng.random() < (0.5 if habit == "quick_passer" else 0.12)
        return self.rng.choice(THIN_NOTES) if thin else self.rng.choice(notes)

