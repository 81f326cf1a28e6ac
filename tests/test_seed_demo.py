"""``manage.py seed_demo``: the demo organisation, loaded once, through the real actions."""

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from departments.models import (
    Bulletin,
    CustomerLinkTemplate,
    Department,
    KeyContact,
    Membership,
    StaffPreferences,
    Tier,
)
from departments.roles import is_manager
from outbox.models import OutboundEmail
from referrals.models import Referral
from reports.management.commands.seed_demo import CUSTOMERS, USERS
from reports.models import SurveyResponse
from reports.months import Month
from reports.simulation import has_simulated_history
from tests.factories import open_ticket
from tickets.ledger import current_state, replay
from tickets.models import Category, Customer, Handoff, HandoffKind, Status, Ticket

pytestmark = pytest.mark.django_db

User = get_user_model()


def seed(*args, history: bool = False) -> str:
    """Run the command; without ``history`` it skips the simulated weeks (they have tests of their own)."""
    out = StringIO()
    call_command("seed_demo", *args, *([] if history else ["--no-history"]), stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    models = [
        Department, Tier, Membership, User, Group, Category, Customer, Ticket, Handoff, OutboundEmail,
        KeyContact, Bulletin, CustomerLinkTemplate, Referral, SurveyResponse,
    ]  # fmt: skip
    return {model.__name__: sorted(model.objects.values_list("pk", flat=True)) for model in models}


def ticket(subject: str) -> Ticket:
    return Ticket.objects.select_related("tier", "department", "owner").get(subject=subject)


def trail(t: Ticket) -> list[str]:
    return list(t.handoffs.order_by("id").values_list("kind", flat=True))


def test_seed_demo_builds_the_customer_service_pyramid_and_four_other_departments():
    seed()

    assert set(Department.objects.values_list("slug", flat=True)) == {
        "customer-service", "sales", "order-intake", "technology", "accounting",
    }  # fmt: skip
    cs = Department.objects.get(slug="customer-service")
    assert cs.name == "Customer service"
    assert cs.description
    tiers = list(cs.tiers.order_by("level").values_list("level", "name", "resolve_within"))
    assert tiers == [
        (1, "Front line", timedelta(hours=20)),
        (2, "Specialists", timedelta(hours=20)),
        (3, "Experts", timedelta(hours=20)),
    ]
    for slug in ("sales", "order-intake", "technology", "accounting"):
        assert Tier.objects.filter(department__slug=slug).count() == 1


def test_seed_demo_seats_every_demo_user_with_a_name_an_email_and_the_demo_password():
    seed()

    seats = {
        m.user.username: (m.department.slug, m.tier.level, m.is_lead)
        for m in Membership.objects.select_related("user", "department", "tier")
    }
    assert seats == {
        "ana": ("customer-service", 1, False),
        "ravi": ("customer-service", 1, False),
        "ioana": ("customer-service", 2, True),
        "marko": ("customer-service", 2, False),
        "priya": ("customer-service", 3, True),
        "elena": ("sales", 1, True),
        "vikram": ("order-intake", 1, True),
        "ivan": ("technology", 1, True),
        "mihai": ("accounting", 1, True),
    }
    for spec in USERS:
        user = User.objects.get(username=spec.username)
        assert user.first_name and user.last_name
        assert user.email == f"{spec.username}@tierdesk.example"
        assert user.check_password("demo")
    assert is_manager(User.objects.get(username="andrei"))
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert not User.objects.get(username="ana").is_staff


def test_seed_demo_adds_categories_with_intake_questions_and_demo_customers():
    seed()

    categories = {c.slug: c for c in Category.objects.all()}
    assert {"delivery", "returns", "billing", "product-fault", "account"} <= set(categories)
    assert all(len(c.checklist_items) >= 3 for c in categories.values())
    customers = Customer.objects.filter(external_reference__in=CUSTOMERS)
    assert customers.count() == len(CUSTOMERS)
    assert all(c.name and c.email and c.phone for c in customers)


def test_seed_demo_gives_users_and_customers_their_languages():
    seed()

    chosen = dict(StaffPreferences.objects.values_list("user__username", "language"))
    assert (chosen["ana"], chosen["ravi"], chosen["ivan"]) == ("ro", "hi", "hr")
    assert "admin" not in chosen  # follows the browser
    spoken = set(Customer.objects.filter(external_reference__in=CUSTOMERS).values_list("language", flat=True))
    assert spoken == {"en", "hr", "hi", "ro"}
    StaffPreferences.objects.filter(user__username="ana").update(language="en")
    seed()
    assert StaffPreferences.objects.get(user__username="ana").language == "en"  # a later choice stays


def test_seed_demo_tickets_show_each_state_with_their_handoff_trail():
    seed()

    owned = ticket("Parcel not delivered after 8 days")
    assert (owned.status, owned.tier.level, owned.owner.username) == (Status.OPEN, 1, "ana")
    assert trail(owned) == ["opened"]

    waiting = ticket("Washing machine stops mid-cycle with error E21")
    assert (waiting.status, waiting.tier.level, waiting.owner) == (Status.OPEN, 2, None)
    assert trail(waiting) == ["opened", "passed"]

    claimed = ticket("Charged twice for one order")
    assert (claimed.tier.level, claimed.owner.username) == (2, "marko")
    assert trail(claimed) == ["opened", "passed", "claimed"]

    on_the_call = ticket("How do I return a jacket?")
    assert on_the_call.status == Status.RESOLVED
    assert on_the_call.resolved_on_first_call
    assert trail(on_the_call) == ["opened", "resolved"]

    escalated = ticket("Cannot log in after changing email address")
    assert escalated.status == Status.RESOLVED
    assert escalated.resolved_by.username == "ioana"
    assert trail(escalated) == ["opened", "escalated", "claimed", "resolved"]
    by_the_clock = escalated.handoffs.get(kind=HandoffKind.ESCALATED)
    assert by_the_clock.actor is None
    assert by_the_clock.sweep_lateness > timedelta(0)

    transferred = ticket("Quote for 40 office chairs")
    assert (transferred.department.slug, transferred.tier.level, transferred.owner) == (
        "sales",
        1,
        None,
    )
    assert trail(transferred) == ["opened", "transferred"]

    for t in Ticket.objects.all():
        assert replay(list(t.handoffs.all())) == current_state(t)


def test_seed_demo_queues_emails_to_the_leads_of_the_receiving_tiers():
    seed()

    recipients = {(e.kind, tuple(e.recipients)) for e in OutboundEmail.objects.all()}
    assert ("escalated", ("ioana@tierdesk.example",)) in recipients
    assert ("transferred", ("elena@tierdesk.example",)) in recipients


def test_seed_demo_run_twice_changes_nothing():
    seed()
    before = snapshot()

    output = seed()

    assert snapshot() == before
    assert "nothing changed" in output


def test_seed_demo_prints_the_users_table_and_the_password():
    output = seed()

    for spec in USERS:
        assert spec.username in output
    assert "Tier lead" in output
    assert "Password for the users created now: demo" in output


def test_seed_demo_password_option_sets_the_password_of_new_users():
    output = seed("--password", "s3cret-demo")

    assert User.objects.get(username="ravi").check_password("s3cret-demo")
    assert "s3cret-demo" in output


def test_seed_demo_keeps_an_existing_users_password_and_adds_the_missing_seat():
    User.objects.create_user("ana", email="ana@elsewhere.example", password="her-own")

    seed()

    ana = User.objects.get(username="ana")
    assert ana.check_password("her-own")
    assert ana.email == "ana@elsewhere.example"
    assert Membership.objects.get(user=ana).tier.level == 1


def test_seed_demo_makes_no_tickets_when_a_demo_customer_already_has_one(org):
    customer = Customer.objects.create(name="Maria Popescu", external_reference="DEMO-1001")
    existing = open_ticket(org.ana, customer=customer)

    seed()

    assert list(Ticket.objects.all()) == [existing]
    assert Customer.objects.filter(external_reference="DEMO-1001").count() == 1
    # The rest of the organisation is still completed around the existing one.
    assert Department.objects.filter(slug="accounting").exists()
    assert User.objects.get(username="ana").pk == org.ana.pk


def test_seed_demo_refuses_an_empty_password():
    with pytest.raises(CommandError, match="password"):
        seed("--password", "")
    assert not User.objects.exists()


def test_seed_demo_gives_every_department_a_line_in_contacts_news_and_answered_questions():
    seed()

    departments_with_contacts = set(KeyContact.objects.values_list("department__slug", flat=True))
    assert {"sales", "order-intake", "technology", "accounting"} <= departments_with_contacts
    assert KeyContact.objects.get(name="Elena Marin").backup.name == "Dan Pop"
    assert Bulletin.objects.filter(kind="out_of_stock", pinned=True).exists()
    assert CustomerLinkTemplate.objects.count() == 2
    parcel = ticket("Parcel not delivered after 8 days")
    answered, overdue, waiting = parcel.referrals.order_by("asked_at")
    assert "X210" in answered.answer
    assert overdue.answered_at is None and overdue.is_overdue()
    assert waiting.answered_at is None and not waiting.is_overdue()
    assert Handoff.objects.filter(kind=HandoffKind.TRANSFERRED, to_department__slug="accounting").exists()


# --- the simulated history ----------------------------------------------------------------

NOV_18 = datetime(2026, 11, 18, 10, tzinfo=ZoneInfo("Europe/Bucharest"))


@pytest.mark.slow
def test_seed_demo_plays_last_month_and_this_month_so_far_for_the_dashboard():
    with time_machine.travel(NOV_18, tick=False):
        output = seed("--calls-per-day", "3", history=True)

    october = Handoff.objects.filter(at__gte=Month(2026, 10).start, at__lt=Month(2026, 10).end)
    assert october.filter(kind=HandoffKind.OPENED).count() >= 40
    for kind in (HandoffKind.RESOLVED, HandoffKind.PASSED, HandoffKind.ESCALATED, HandoffKind.CLAIMED):
        assert october.filter(kind=kind).exists(), kind
    assert SurveyResponse.objects.filter(
        ticket__resolved_at__gte=Month(2026, 10).start, ticket__resolved_at__lt=Month(2026, 10).end
    ).exists()
    assert Handoff.objects.filter(at__gte=Month(2026, 11).start).count() > 50
    assert not Handoff.objects.filter(at__gt=NOV_18).exists()  # up to now, never beyond
    assert "Who played which habit" in output and "dumper" in output
    # A newcomer's dashboard opens on last month with real figures and a highlighted dumper.
    from reports.metrics import monthly_report

    with time_machine.travel(NOV_18, tick=False):
        report = monthly_report(Month(2026, 10))
    assert report.flow.organisation.resolved and report.satisfaction.overall.responses
    assert any("quick_passes" in p.flagged for p in report.highlighted)
    # The demo's own tickets are still exactly as described, and only their emails wait
    # for the worker: the history's are recorded as sent.
    assert trail(ticket("Parcel not delivered after 8 days")) == ["opened"]
    assert trail(ticket("Charged twice for one order")) == ["opened", "passed", "claimed"]
    demo = [t.reference for t in Ticket.objects.filter(customer__external_reference__in=CUSTOMERS)]
    pending = OutboundEmail.objects.filter(sent_at__isnull=True)
    assert OutboundEmail.objects.count() > 100
    assert pending and all(any(ref in e.subject + e.body for ref in demo) for e in pending)


@pytest.mark.slow
def test_seed_demo_with_its_history_run_twice_changes_nothing():
    seed("--calls-per-day", "2", history=True)
    assert has_simulated_history()
    before = snapshot()

    output = seed(history=True)

    assert snapshot() == before
    assert "nothing changed" in output


def test_seed_demo_adds_no_history_to_a_database_with_other_tickets(org):
    open_ticket(org.ana)

    seed("--calls-per-day", "2", history=True)

    assert not has_simulated_history()
    assert Ticket.objects.filter(customer__external_reference__in=CUSTOMERS).count() == 7
