"""The benchmark's call centre: four departments, their tiers and people, in the database.

Sized for ``month_tickets`` a month (about 170 people at 60,000): customer service with
three tiers, technical support with three, billing with two and a one-tier sales desk
(whose time-outs are breaches straight away). Each tier has a lead; about one agent in
four has a habit the dumping report should see (quick passes, late releases, sitting on
tickets, transfers). Two front-line agents are promoted to specialists in the middle of
the measured month, and the front line's time is cut from 8 to 6 hours on the 12th: the
tier's current configuration is not the one most of the month's entries were made under.
"""

import itertools
from dataclasses import dataclass, field
from datetime import date, timedelta

from bench.lifecycle import HOUR, Agent, Cast, Department, Tier

# (slug, name, share of the calls, [(tier name, hours, agents at 60,000 a month)])
DEPARTMENTS = [
    ("bench-cs", "Customer service", 0.58,
     [("Front line", 8, 64), ("Specialists", 24, 22), ("Experts", 48, 8)]),
    ("bench-tech", "Technical support", 0.20,
     [("Helpdesk", 12, 24), ("Engineers", 24, 10), ("Network team", 72, 4)]),
    ("bench-billing", "Billing", 0.15, [("Billing desk", 20, 16), ("Accounts", 48, 6)]),
    ("bench-sales", "Sales", 0.07, [("Sales desk", 24, 8)]),
]
# One agent in four has a habit; the others are ordinary.
HABITS = ["ordinary", "quick_passer", "ordinary", "ordinary", "late_releaser", "ordinary",
          "ordinary", "sitter", "ordinary", "ordinary", "transferrer", "ordinary",
          "ordinary", "ordinary", "ordinary", "ordinary"]
FRONT_LINE_CUT = (date(2026, 10, 12), 6)  # from this local day the front line has 6 hours
PROMOTED_ON = date(2026, 10, 15)
FIRST_NAMES = ["Ana", "Ravi", "Ioana", "Marko", "Priya", "Elena", "Dan", "Mara", "Victor",
               "Lena", "Tudor", "Sofia", "Radu", "Irina", "Paul", "Oana", "Mihai", "Clara"]
LAST_NAMES = ["Popescu", "Ionescu", "Shah", "Novak", "Stan", "Dumitru", "Rossi", "Marin",
              "Kovacs", "Georgescu", "Moldovan", "Silva"]
CATEGORIES = ["Billing question", "Delivery", "Faulty device", "Internet connection",
              "Account access", "Contract change", "Refund", "Installation", "Roaming",
              "Complaint", "Porting a number", "Other"]


@dataclass
class Organisation:
    cast: Cast
    categories: list[int]
    viewer: int  # the manager who looks at the dashboard
    departments: dict[int, Department] = field(default_factory=dict)
    department_ids: dict[str, int] = field(default_factory=dict)

    def department(self, department_id: int) -> Department:
        return self.departments[department_id]

    def pick_department(self, rng) -> Department:
        return rng.choices(self.cast.departments, weights=[d.share for d in self.cast.departments])[0]

    def category(self, rng) -> int | None:
        return None if rng.random() < 0.05 else rng.choice(self.categories)


def build(month_tickets: int, *, local_midnight) -> Organisation:
    """Create (or find) the organisation for a month of ``month_tickets``; return its model."""
    from django.contrib.auth import get_user_model

    from departments.models import Category, Membership
    from departments.models import Department as DepartmentRow
    from departments.models import Tier as TierRow
    from departments.roles import managers_group

    users = get_user_model()
    scale = month_tickets / 60_000
    group = managers_group()
    managers = [_user(users, f"bench-manager-{i}", i) for i in range(max(1, round(3 * scale)))]
    for manager in managers:
        manager.groups.add(group)
    intake = [_user(users, f"bench-intake-{i}", 40 + i).pk for i in range(4)]
    cut_at = local_midnight(FRONT_LINE_CUT[0])
    promoted_at = local_midnight(PROMOTED_ON) + 8 * HOUR
    departments = []
    for d_index, (slug, name, share, tier_specs) in enumerate(DEPARTMENTS):
        row, _c = DepartmentRow.objects.get_or_create(slug=slug, defaults={"name": name})
        tiers = []
        for level, (tier_name, hours, agents) in enumerate(tier_specs, start=1):
            times = [(0, hours * HOUR)]
            if slug == "bench-cs" and level == 1:
                times.append((cut_at, FRONT_LINE_CUT[1] * HOUR))
            tier_row, _c = TierRow.objects.get_or_create(
                department=row, level=level,
                defaults={"name": tier_name, "resolve_within": timedelta(seconds=times[-1][1])},
            )
            tier = Tier(tier_row.pk, row.pk, level, tier_name, times)
            count = max(4 if level == 1 else 3, round(agents * scale))
            seats = []
            for i in range(count):
                user = _user(users, f"bench-{slug[6:]}-{level}-{i}", d_index * 7 + level * 3 + i)
                agent = Agent(user.pk, HABITS[(i + 5 * d_index + 3 * level) % len(HABITS)])
                seats.append((agent, i % 8 == 0))
            tier.leads = [agent for agent, lead in seats if lead]
            tier.rosters = [(0, [agent for agent, _lead in seats])]
            tiers.append((tier, tier_row, seats))
        for below, above in itertools.pairwise(tiers):
            below[0].above = above[0]
        if slug == "bench-cs":
            _promote(tiers[0][0], tiers[1][0], promoted_at)
        for tier, tier_row, seats in tiers:
            final = {a.id for a in tier.rosters[-1][1]}
            for agent, lead in seats:
                seat_tier = tier_row if agent.id in final else tiers[1][1]
                Membership.objects.get_or_create(
                    user_id=agent.id, department=row,
                    defaults={"tier": seat_tier, "is_lead": lead and agent.id in final},
                )
        departments.append(Department(row.pk, [t for t, _r, _s in tiers], share))
    categories = [
        Category.objects.get_or_create(slug=f"bench-{i}", defaults={"name": label})[0].pk
        for i, label in enumerate(CATEGORIES)
    ]
    cast = Cast(managers=[m.pk for m in managers], intake=intake, departments=departments)
    org = Organisation(cast, categories, viewer=managers[0].pk)
    org.departments = {d.id: d for d in departments}
    org.department_ids = {slug: d.id for (slug, *_rest), d in zip(DEPARTMENTS, departments, strict=True)}
    return org


def _promote(front_line: Tier, specialists: Tier, at: int) -> None:
    """Two ordinary front-line agents sit at the specialists' tier from ``at`` on."""
    before = front_line.rosters[0][1]
    promoted = [a for a in before if a.habit == "ordinary" and a not in front_line.leads][:2]
    front_line.rosters.append((at, [a for a in before if a not in promoted]))
    specialists.rosters.append((at, [*specialists.rosters[0][1], *promoted]))


def _user(users, username: str, n: int):
    user, created = users.objects.get_or_create(
        username=username,
        defaults={
            "first_name": FIRST_NAMES[n % len(FIRST_NAMES)],
            "last_name": LAST_NAMES[(n // len(FIRST_NAMES) + n) % len(LAST_NAMES)],
            "email": f"{username}@example.com",
        },
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user
