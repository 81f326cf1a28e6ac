"""Who is in the organisation, and who plays which habit.

``read_organisation`` takes the departments, tiers and memberships already in the database
(the simulator invents no departments); ``staff`` adds a few simulated agents where a tier
has too few people to play every habit next to ordinary colleagues; ``choose_cast`` picks
the habit players from the front line's first two tiers, deterministically for a seed.
"""

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Q

from departments.models import Category, Department, Membership, Tier
from departments.queries import front_line_department
from departments.roles import MANAGERS_GROUP, managers_group
from reports.simulation.texts import AGENT_NAMES, MANAGER_NAME

SIMULATED_EMAIL_DOMAIN = "sim.tierdesk.example"

DUMPER = "dumper"
LATE_RELEASER = "late_releaser"
TIMEOUT_SITTER = "timeout_sitter"
PING_PONG = "ping_pong"
MANAGER = "manager"
HABITS = (DUMPER, LATE_RELEASER, TIMEOUT_SITTER, PING_PONG, MANAGER)
HABIT_LABELS = {
    DUMPER: "dumper",
    LATE_RELEASER: "late releaser",
    TIMEOUT_SITTER: "time-out sitter",
    PING_PONG: "ping-pong transferrer",
    MANAGER: "manager closing others' tickets",
}

# People a front-line tier needs: habit players (who must not be leads) and everyone.
# Tier 1 holds the dumper, the ping-pong transferrer and the sitter, tier 2 the late
# releaser; each keeps at least three ordinary colleagues, so a tier's median means something.
FRONT_LINE_NEEDS = {1: (3, 6), 2: (1, 4)}
OTHER_TIER_NEEDS = (0, 1)
UPPER_FRONT_TIER_NEEDS = (0, 2)


class SimulationError(Exception):
    """The organisation in the database cannot be simulated (e.g. no front line)."""


@dataclass
class TierSeat:
    """A tier and the people who sit at it (user ids, ordered by username)."""

    id: int
    department_id: int
    level: int
    name: str
    resolve_within: timedelta
    members: list[int] = field(default_factory=list)
    leads: list[int] = field(default_factory=list)
    above: "TierSeat | None" = None

    @property
    def is_top(self) -> bool:
        return self.above is None


@dataclass
class DepartmentSeats:
    department: Department
    tiers: list[TierSeat]

    @property
    def id(self) -> int:
        return self.department.pk

    @property
    def first(self) -> TierSeat:
        return self.tiers[0]


@dataclass
class Organisation:
    """The organisation as the simulation plays it, read once at the start."""

    front: DepartmentSeats
    others: list[DepartmentSeats]
    tiers: dict[int, TierSeat]
    users: dict[int, object]
    managers: list[object]
    categories: list[Category]
    agents_added: list[str] = field(default_factory=list)

    def department(self, department_id: int) -> DepartmentSeats:
        if department_id == self.front.id:
            return self.front
        return next(d for d in self.others if d.id == department_id)


@dataclass
class Cast:
    """Habit name -> the user who plays it (see ``HABITS``)."""

    players: dict[str, object]

    def __post_init__(self):
        # The manager plays their habit on rounds; on a ticket they own they act like anyone.
        self._habits = {user.pk: habit for habit, user in self.players.items() if habit != MANAGER}

    def habit_of(self, user_id: int | None) -> str | None:
        return self._habits.get(user_id)

    def __getitem__(self, habit: str):
        return self.players[habit]


def front_line() -> Department:
    department = front_line_department()
    if department is None or Tier.objects.filter(department=department).count() < 2:
        raise SimulationError(
            "The simulation needs a front-line department (TIERDESK_FRONT_LINE_DEPARTMENT) "
            "with at least two tiers."
        )
    return department


def staff(start: datetime) -> list[str]:
    """Seat simulated agents where a tier has too few people; return their usernames.

    Idempotent: a second run finds the tiers staffed and adds nobody. Every tier of every
    department gets at least one person, so a ticket sent anywhere can be worked.
    """
    front = front_line()
    added = []
    names = iter(AGENT_NAMES)
    for tier in Tier.objects.select_related("department").order_by("department__slug", "level"):
        if tier.department_id == front.pk:
            habit_players, everyone = FRONT_LINE_NEEDS.get(tier.level, UPPER_FRONT_TIER_NEEDS)
        else:
            habit_players, everyone = OTHER_TIER_NEEDS
        seats = Membership.objects.filter(tier=tier, user__is_active=True)
        missing = max(everyone - seats.count(), habit_players - seats.filter(is_lead=False).count())
        for _ in range(missing):
            added.append(_seat_new_agent(names, tier, start))
    if not managers():
        manager = _new_user("sim-manager", *MANAGER_NAME, start)
        manager.groups.add(managers_group())
        added.append(manager.username)
    return added


def _seat_new_agent(names, tier: Tier, start: datetime) -> str:
    User = get_user_model()
    for first, last in names:
        username = f"sim-{first.lower()}"
        if not User.objects.filter(username=username).exists():
            user = _new_user(username, first, last, start)
            Membership.objects.create(user=user, department=tier.department, tier=tier)
            return username
    raise SimulationError("Ran out of names for simulated agents.")


def _new_user(username: str, first: str, last: str, start: datetime):
    user = get_user_model()(
        username=username, first_name=first, last_name=last,
        email=f"{username}@{SIMULATED_EMAIL_DOMAIN}", date_joined=start,
    )  # fmt: skip
    user.set_unusable_password()  # simulated people do not sign in
    user.save()
    return user


def managers() -> list:
    """Active managers, group members first, by username (superusers when there are none)."""
    users = get_user_model().objects.filter(is_active=True)
    in_group = list(users.filter(groups__name=MANAGERS_GROUP).distinct().order_by("username"))
    return in_group or list(users.filter(Q(is_superuser=True)).order_by("username"))


def read_organisation(agents_added: list[str]) -> Organisation:
    """Every department with tiers, and who sits where; users loaded once and reused."""
    front = front_line()
    memberships = list(
        Membership.objects.filter(user__is_active=True)
        .select_related("user")
        .order_by("user__username")
    )
    users = {m.user_id: m.user for m in memberships}
    chiefs = managers()
    users.update({u.pk: u for u in chiefs})
    seats: dict[int, TierSeat] = {}
    departments: dict[int, list[TierSeat]] = {}
    for tier in Tier.objects.order_by("department_id", "level"):
        seat = TierSeat(tier.pk, tier.department_id, tier.level, tier.name, tier.resolve_within)
        siblings = departments.setdefault(tier.department_id, [])
        if siblings:
            siblings[-1].above = seat
        siblings.append(seat)
        seats[tier.pk] = seat
    for m in memberships:
        seats[m.tier_id].members.append(m.user_id)
        if m.is_lead:
            seats[m.tier_id].leads.append(m.user_id)
    by_id = Department.objects.in_bulk(list(departments))
    pyramids = [
        DepartmentSeats(by_id[department_id], tiers)
        for department_id, tiers in sorted(
            departments.items(), key=lambda item: by_id[item[0]].slug
        )
    ]
    return Organisation(
        front=next(p for p in pyramids if p.id == front.pk),
        others=[p for p in pyramids if p.id != front.pk and p.first.members],
        tiers=seats,
        users=users,
        managers=chiefs,
        categories=list(Category.objects.order_by("slug")),
        agents_added=agents_added,
    )


def choose_cast(organisation: Organisation, rng: random.Random) -> Cast:
    """Pick the habit players: three from the front line's tier 1, one from its tier 2.

    Leads are never habit players (they assign); the manager is the first manager.
    """
    first, second = organisation.front.tiers[0], organisation.front.tiers[1]

    def candidates(seat: TierSeat) -> list[int]:
        return [u for u in seat.members if u not in seat.leads]

    dumper, ping_pong, sitter = rng.sample(candidates(first), 3)
    releaser = rng.choice(candidates(second))
    users = organisation.users
    return Cast(
        {
            DUMPER: users[dumper],
            LATE_RELEASER: users[releaser],
            TIMEOUT_SITTER: users[sitter],
            PING_PONG: users[ping_pong],
            MANAGER: organisation.managers[0],
        }
    )


SHIFT_CALENDAR = "Simulated day shift"
SHIFT_WORKERS = {1: 2, 2: 1}  # front-line tier level -> how many ordinary agents work shifts


def give_shifts(organisation: Organisation, cast: Cast, rng: random.Random, zone_name: str) -> set[int]:
    """Give a few ordinary front-line agents shifts of their own (weekdays 08:00-16:00 in the
    organisation's zone), so that some time-outs run out while they are off shift.

    Returns their user ids. Leads and habit players keep the department's hours.
    """
    from departments.models import Calendar

    calendar, _created = Calendar.objects.get_or_create(
        name=SHIFT_CALENDAR,
        defaults={
            "time_zone": zone_name,
            **{day: "08:00-16:00" for day in ("monday", "tuesday", "wednesday", "thursday", "friday")},
        },
    )
    chosen: set[int] = set()
    for seat in organisation.front.tiers:
        ordinary = [u for u in seat.members if u not in seat.leads and cast.habit_of(u) is None]
        chosen.update(rng.sample(ordinary, min(SHIFT_WORKERS.get(seat.level, 0), max(len(ordinary) - 1, 0))))
    Membership.objects.filter(
        user_id__in=chosen, department=organisation.front.department
    ).update(calendar=calendar)
    return chosen
