"""``manage.py seed_demo``: load the demo organisation, its people, its history and a few tickets.

Idempotent: every row is looked up by its natural key before it is created, and nothing
that already exists is changed (a password someone set stays). The demo tickets are made
only while the demo customers have none, and only through ``tickets.actions``, so they
carry the same handoff trail as tickets made by people.

The history: once the organisation stands, a database with no simulated history yet (and
no tickets but the demo's) gets one, played by ``reports.simulation`` from the first day
of last month (organisation time) up to now, so the dashboards show a whole month and this
month so far. It lives in reports because it plays the surveys too; nothing below reports
may import it.

What the organisation is (departments, people, categories, customers, directory, bulletins)
is data, in ``_demo_data.py`` beside this command; this module creates what is missing of it.
"""

import sys
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from departments.models import (
    Bulletin,
    CustomerLinkTemplate,
    Department,
    KeyContact,
    Membership,
    StaffPreferences,
    Tier,
)
from departments.roles import managers_group
from escalation.sweep import escalate_overdue
from referrals.actions import do_answer_referral, do_refer_ticket
from reports.management.commands._demo_data import (
    BULLETINS,
    CATEGORIES,
    CONTACTS,
    CUSTOMER_LINKS,
    CUSTOMERS,
    DEFAULT_PASSWORD,
    DEPARTMENTS,
    EMAIL_DOMAIN,
    HISTORY_CALLS_PER_DAY,
    HISTORY_SEED,
    RESOLVE_WITHIN,
    USER_LANGUAGES,
    USERS,
    hours_text,
)
from reports.months import month_containing
from reports.simulation import SimulationResult, format_summary, has_simulated_history, simulate
from tickets import actions
from tickets.models import Category, Channel, Customer, Priority, Ticket


class Command(BaseCommand):
    help = (
        "Load the demo organisation, users, categories, customers and tickets (safe to run again)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help="Password for demo users created by this run (default: %(default)s). "
            "Users that already exist keep theirs.",
        )
        parser.add_argument(
            "--no-history",
            action="store_true",
            help="Do not simulate last month and this month so far.",
        )
        parser.add_argument(
            "--calls-per-day",
            type=float,
            default=HISTORY_CALLS_PER_DAY,
            help="Calls on an average weekday in the simulated history (default: %(default)s).",
        )
        parser.add_argument("--seed", type=int, default=HISTORY_SEED, help="Seed of the simulated history.")

    def handle(self, *args, password: str, no_history: bool, calls_per_day: float, seed: int, **options):
        if not password:
            raise CommandError("--password may not be empty.")
        if calls_per_day < 0:
            raise CommandError("--calls-per-day may not be negative.")
        with transaction.atomic():
            departments, tiers = self._organisation()
            users, created_users = self._users(tiers, password)
            categories = self._categories()
            customers = self._customers()
            self._directory(departments, users)
            self._bulletins(departments, users, categories)
            history = None
            if not no_history and self._wants_history(customers):
                history = self._history(calls_per_day, seed)
            tickets = self._tickets(departments, users, categories, customers)

        self._report(created_users, tickets, password, history)

    # --- the organisation -------------------------------------------------------------

    def _organisation(self):
        departments, tiers = {}, {}
        for slug, (name, description, levels) in DEPARTMENTS.items():
            department, _ = Department.objects.get_or_create(
                slug=slug, defaults={"name": name, "description": description}
            )
            departments[slug] = department
            for level, tier_name in levels:
                tier, _ = Tier.objects.get_or_create(
                    department=department,
                    level=level,
                    defaults={"name": tier_name, "resolve_within": RESOLVE_WITHIN},
                )
                tiers[slug, level] = tier
        return departments, tiers

    def _users(self, tiers, password: str):
        User = get_user_model()
        users, created_users = {}, []
        for spec in USERS:
            user, created = User.objects.get_or_create(
                username=spec.username,
                defaults={
                    "first_name": spec.first_name,
                    "last_name": spec.last_name,
                    "email": f"{spec.username}@{EMAIL_DOMAIN}",
                    "is_staff": spec.superuser,
                    "is_superuser": spec.superuser,
                },
            )
            if created:
                user.set_password(password)
                user.save(update_fields=["password"])
                created_users.append(spec.username)
            if spec.manager:
                user.groups.add(managers_group())
            if spec.department:
                tier = tiers[spec.department, spec.level]
                Membership.objects.get_or_create(
                    user=user,
                    department=tier.department,
                    defaults={"tier": tier, "is_lead": spec.is_lead},
                )
            if spec.username in USER_LANGUAGES:
                StaffPreferences.objects.get_or_create(
                    user=user, defaults={"language": USER_LANGUAGES[spec.username]}
                )
            users[spec.username] = user
        return users, created_users

    def _categories(self):
        categories = {}
        for slug, (name, checklist) in CATEGORIES.items():
            categories[slug], _ = Category.objects.get_or_create(
                slug=slug, defaults={"name": name, "intake_checklist": checklist}
            )
        return categories

    def _customers(self):
        customers = {}
        for reference, (name, email, phone, language) in CUSTOMERS.items():
            # filter().first() rather than get_or_create: external_reference is not unique,
            # and a duplicate someone typed in must not break the seed.
            customer = Customer.objects.filter(external_reference=reference).order_by("id").first()
            if customer is None:
                customer = Customer.objects.create(
                    external_reference=reference, name=name, email=email, phone=phone,
                    language=language,
                )
            customers[reference] = customer
        return customers

    # --- the directory and the news ---------------------------------------------------

    def _directory(self, departments, users):
        """Key contacts (with duty hours and a backup) and links into other systems."""
        for slug, name, role, phone, username, days, start, end, backup_of in CONTACTS:
            contact, _ = KeyContact.objects.get_or_create(
                department=departments[slug],
                name=name,
                defaults={
                    "role": role, "phone": phone, "user": users.get(username),
                    "email": f"{username}@{EMAIL_DOMAIN}" if username else "",
                    "duty_days": days, "duty_from": start, "duty_until": end,
                    "hours": hours_text(days, start, end),
                },
            )
            if backup_of:
                KeyContact.objects.filter(department=departments[slug], name=backup_of, backup__isnull=True).update(
                    backup=contact
                )
        for slug, label, template in CUSTOMER_LINKS:
            CustomerLinkTemplate.objects.get_or_create(
                department=departments[slug], label=label, defaults={"url_template": template}
            )

    def _bulletins(self, departments, users, categories):
        now = timezone.now()
        for slug, author, title, body, kind, category, pinned, days_ago, lasts_days in BULLETINS:
            posted_at = now - timedelta(days=days_ago)
            bulletin, created = Bulletin.objects.get_or_create(
                department=departments[slug],
                title=title,
                defaults={
                    "author": users.get(author), "body": body, "kind": kind, "pinned": pinned,
                    "posted_at": posted_at,
                    "expires_at": posted_at + timedelta(days=lasts_days) if lasts_days else None,
                },
            )
            if created and category:
                bulletin.categories.add(categories[category])

    # --- the history ------------------------------------------------------------------

    def _wants_history(self, customers) -> bool:
        """Only once, and only in a demo: never add made-up weeks to a database with real tickets."""
        if has_simulated_history():
            return False
        return not Ticket.objects.exclude(customer__in=customers.values()).exists()

    def _history(self, calls_per_day: float, seed: int) -> SimulationResult:
        """Last month and this month so far, played through the real actions (before the demo
        tickets, so they stay exactly as described)."""
        now = timezone.now()
        start = month_containing(now).previous().start
        days = (now - start).days + 1
        return simulate(
            start,
            days,
            seed=seed,
            calls_per_day=calls_per_day,
            progress=sys.stderr.isatty(),
            until=now,
        )

    # --- the tickets ------------------------------------------------------------------

    def _tickets(self, departments, users, categories, customers) -> list[Ticket]:
        """Make one ticket in each interesting state, through the real actions."""
        if Ticket.objects.filter(customer__in=customers.values()).exists():
            return []
        ana, ravi, ioana, marko = users["ana"], users["ravi"], users["ioana"], users["marko"]
        c = customers
        now = timezone.now()
        made = []

        # Open and owned by the agent who took the call, who asked two other departments:
        # order intake answered, sales has not (and is past its four hours).
        parcel = actions.do_open_ticket(
            by=ana,
            subject="Parcel not delivered after 8 days",
            customer=c["DEMO-1001"],
            description="Order 58213, promised for last Tuesday. Tracking shows 'in transit' since.",
            category=categories["delivery"],
            channel=Channel.PHONE,
            now=now - timedelta(hours=7),
        )
        asked = do_refer_ticket(
            parcel, by=ana, department=departments["order-intake"], now=now - timedelta(hours=6, minutes=50),
            question="Which items of order 58213 actually shipped, and is anything out of stock?",
        )
        do_answer_referral(
            asked, by=users["vikram"], now=now - timedelta(hours=6),
            answer="Items 1 and 2 shipped on the 12th. Item 3 (X200 kettle) is out of stock; the X210 replaces it.",
        )
        do_refer_ticket(
            parcel, by=ana, department=departments["sales"], now=now - timedelta(hours=6),
            question="Can we offer the X210 at the X200's price, since the X200 is out of stock?",
        )
        do_refer_ticket(
            parcel, by=ana, department=departments["technology"], now=now - timedelta(minutes=20),
            question="The tracking page shows 'in transit' for 8 days: is the courier feed stuck?",
        )
        made.append(parcel)

        # Passed up by the front line: waits unowned in the Specialists' queue.
        ticket = actions.do_open_ticket(
            by=ravi,
            subject="Washing machine stops mid-cycle with error E21",
            customer=c["DEMO-1002"],
            description="Bought 5 months ago. Stops after ~10 minutes, shows E21, drains nothing.",
            category=categories["product-fault"],
            priority=Priority.HIGH,
            now=now - timedelta(hours=5),
        )
        made.append(
            actions.do_pass_up(
                ticket,
                by=ravi,
                now=now - timedelta(hours=4),
                note="Walked the customer through the filter clean and a reset; E21 comes back.",
            )
        )

        # Passed up, then claimed by a specialist.
        ticket = actions.do_open_ticket(
            by=ana,
            subject="Charged twice for one order",
            customer=c["DEMO-1003"],
            description="Two card payments of 349.00 for order 58377 on the same day.",
            category=categories["billing"],
            channel=Channel.EMAIL,
            now=now - timedelta(hours=6),
        )
        ticket = actions.do_pass_up(
            ticket,
            by=ana,
            now=now - timedelta(hours=5, minutes=30),
            note="Both payments are visible in the shop; I cannot see the card processor.",
        )
        made.append(actions.do_claim_ticket(ticket, by=marko, now=now - timedelta(hours=5)))

        # Answered on the call.
        made.append(
            actions.do_open_and_resolve_ticket(
                by=ravi,
                resolution="Explained the 30-day return window and emailed the return label.",
                subject="How do I return a jacket?",
                customer=c["DEMO-1004"],
                category=categories["returns"],
                now=now - timedelta(hours=3),
            )
        )

        # Left at the front line past its 20 hours: the sweep moves it up, a lead resolves it.
        ticket = actions.do_open_ticket(
            by=ana,
            subject="Cannot log in after changing email address",
            customer=c["DEMO-1005"],
            description="The reset link goes to the old address.",
            category=categories["account"],
            channel=Channel.WEB,
            now=now - RESOLVE_WITHIN - timedelta(minutes=30),
        )
        escalate_overdue(now=now)
        ticket = actions.do_claim_ticket(ticket, by=ioana, now=now)
        made.append(
            actions.do_resolve_ticket(
                ticket,
                by=ioana,
                now=now,
                resolution="Updated the login email by hand after checking the customer's identity.",
            )
        )

        # Not for customer service: transferred to Sales with the reason.
        ticket = actions.do_open_ticket(
            by=ana,
            subject="Quote for 40 office chairs",
            customer=c["DEMO-1006"],
            description="Company order, wants a volume discount and delivery in March.",
            channel=Channel.EMAIL,
            now=now - timedelta(hours=1),
        )
        made.append(
            actions.do_transfer_ticket(
                ticket,
                by=ana,
                department=departments["sales"],
                now=now - timedelta(minutes=50),
                note="Volume quote: Sales sets the discount.",
            )
        )
        # Sent to accounting for the refund; both departments' pages list the transfer.
        ticket = actions.do_open_ticket(
            by=ravi,
            subject="Refund for a returned coat not received",
            customer=c["DEMO-1004"],
            description="Return accepted on the 3rd; no refund on the card yet.",
            category=categories["billing"],
            now=now - timedelta(hours=3),
        )
        made.append(
            actions.do_transfer_ticket(
                ticket, by=ravi, department=departments["accounting"], now=now - timedelta(hours=2),
                note="Refund needed: the return was accepted, accounting issues the money.",
            )
        )
        return made

    # --- output -----------------------------------------------------------------------

    def _report(
        self, created_users: list[str], tickets: list[Ticket], password: str, history: SimulationResult | None
    ) -> None:
        if created_users or tickets or history:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo data loaded: {len(created_users)} user(s) and {len(tickets)} ticket(s) created."
                )
            )
        else:
            self.stdout.write("Demo data already present; nothing changed.")
        if history:
            for line in format_summary(history):
                self.stdout.write(line)
        memberships = {
            m.user.username: m
            for m in Membership.objects.filter(
                user__username__in=[u.username for u in USERS]
            ).select_related("user", "tier", "department")
        }
        rows = [("username", "name", "role", "where")]
        for spec in USERS:
            membership = memberships.get(spec.username)
            where = (
                f"{membership.department.name} · tier {membership.tier.level} {membership.tier.name}"
                if membership
                else "all departments"
            )
            rows.append((spec.username, f"{spec.first_name} {spec.last_name}", spec.role, where))
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            self.stdout.write(
                "  "
                + "  ".join(
                    cell.ljust(width) for cell, width in zip(row, widths, strict=True)
                ).rstrip()
            )
        if created_users:
            self.stdout.write(f"Password for the users created now: {password}")
        if len(created_users) < len(USERS):
            self.stdout.write(
                "Users that already existed keep their password (the demo default is 'demo')."
            )
