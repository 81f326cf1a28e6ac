"""Test data built through the real actions, so it obeys the same invariants as production."""

from dataclasses import dataclass
from datetime import timedelta

import factory
from django.contrib.auth import get_user_model

from departments.models import Category, Department, Membership, Tier
from departments.roles import managers_group
from tickets import actions
from tickets.models import Customer, Ticket


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.LazyAttribute(lambda u: u.username.capitalize())
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("pw")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"dept-{n}")
    name = factory.LazyAttribute(lambda d: d.slug.replace("-", " ").title())


class TierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tier

    department = factory.SubFactory(DepartmentFactory)
    level = 1
    name = factory.LazyAttribute(lambda t: f"Tier {t.level}")
    resolve_within = timedelta(hours=20)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    tier = factory.SubFactory(TierFactory)
    department = factory.LazyAttribute(lambda m: m.tier.department)
    is_lead = False


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"Customer {n}")
    email = factory.LazyAttribute(lambda c: f"{c.name.lower().replace(' ', '.')}@example.net")
    phone = factory.Sequence(lambda n: f"+40 721 {n:06d}")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"category-{n}")
    name = factory.LazyAttribute(lambda c: c.slug.replace("-", " ").title())


def open_ticket(actor, *, customer=None, subject="Order arrived damaged", **fields) -> Ticket:
    """Open a ticket through the real action."""
    return actions.do_open_ticket(by=actor, subject=subject, customer=customer or CustomerFactory(), **fields)


@dataclass
class Organisation:
    cs: Department
    t1: Tier
    t2: Tier
    t3: Tier
    sales: Department
    sales_t1: Tier
    ana: object
    ravi: object
    ioana: object
    marko: object
    priya: object
    andrei: object
    elena: object
    outsider: object


def build_organisation() -> Organisation:
    cs = DepartmentFactory(slug="customer-service", name="Customer service")
    t1 = TierFactory(department=cs, level=1, name="Front line")
    t2 = TierFactory(department=cs, level=2, name="Specialists")
    t3 = TierFactory(department=cs, level=3, name="Experts")
    sales = DepartmentFactory(slug="sales", name="Sales")
    sales_t1 = TierFactory(department=sales, level=1, name="Sales desk")

    def member(username, tier, lead=False):
        user = UserFactory(username=username)
        MembershipFactory(user=user, tier=tier, is_lead=lead)
        return user

    andrei = UserFactory(username="andrei")
    andrei.groups.add(managers_group())
    return Organisation(
        cs=cs, t1=t1, t2=t2, t3=t3, sales=sales, sales_t1=sales_t1,
        ana=member("ana", t1), ravi=member("ravi", t1),
        ioana=member("ioana", t2, lead=True), marko=member("marko", t2),
        priya=member("priya", t3, lead=True),
        andrei=andrei,
        elena=member("elena", sales_t1),
        outsider=UserFactory(username="outsider"),
    )


def office_hours(name: str = "Office hours", zone: str = "Europe/Zagreb", **days):
    """A working-hours calendar: Monday to Friday 08:00-12:00 and 13:00-17:00 unless told."""
    from departments.models import Calendar

    week = {day: "08:00-12:00, 13:00-17:00" for day in ("monday", "tuesday", "wednesday", "thursday", "friday")}
    week.update(days)
    return Calendar.objects.create(name=name, time_zone=zone, **week)
