"""Emails go out in each recipient's language: staff in the one they chose, customers in theirs."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import translation
from django.utils.translation import gettext, ngettext

from departments.digest import send_weekly_digest
from departments.mail import languages_of_addresses, staff_emails
from departments.models import Bulletin, StaffPreferences
from escalation.sweep import escalate_overdue
from outbox.models import OutboundEmail
from reports.tasks import send_monthly_summary
from tests.factories import CustomerFactory, open_ticket
from tests.reports.helpers import busy_day
from tickets import actions

pytestmark = pytest.mark.django_db
DEVANAGARI = re.compile(r"[\u0900-\u097f]")


def speaks(user, language):
    StaffPreferences.objects.update_or_create(user=user, defaults={"language": language})


def said(language: str, english: str) -> str:
    with translation.override(language):
        return gettext(english)


def test_each_address_gets_its_owner_s_language_in_one_query(org, django_assert_num_queries):
    speaks(org.ioana, "ro")
    speaks(org.marko, "")
    with django_assert_num_queries(1):
        spoken = languages_of_addresses([org.ioana.email, org.marko.email, "stranger@example.org", ""])
    assert spoken == {org.ioana.email: "ro", org.marko.email: "en", "stranger@example.org": "en"}


def test_an_assignment_email_is_written_in_the_assignee_s_language(org):
    speaks(org.marko, "hr")
    ticket = open_ticket(org.ana)
    actions.do_pass_up(ticket, by=org.ana, note="Tried a reset")

    actions.do_assign_ticket(ticket, by=org.ioana, to=org.marko)

    email = OutboundEmail.objects.get(kind="assigned")
    assert email.recipients == [org.marko.email]
    with translation.override("en"):
        english = staff_emails("assigned", [org.ana.email], {"ticket": ticket, "actor": org.ioana, "url": "u"})[0]
    assert email.subject != english.subject
    assert ticket.reference in email.subject + email.body


def test_leads_who_speak_different_languages_each_get_their_own_email(org):
    from departments.models import Membership

    Membership.objects.filter(user=org.marko).update(is_lead=True)
    speaks(org.ioana, "hi")
    ticket = open_ticket(org.ana)

    actions.do_pass_up(ticket, by=org.ana, note="Tried a reset")

    emails = sorted(OutboundEmail.objects.filter(kind="passed up"), key=lambda e: e.recipients)
    assert [e.recipients for e in emails] == [[org.ioana.email], [org.marko.email]]
    hindi, english = emails
    assert DEVANAGARI.search(hindi.subject) and not DEVANAGARI.search(english.subject)
    assert "Tried a reset" in hindi.body and "Tried a reset" in english.body


def test_the_clock_tells_each_lead_in_their_language(org):
    speaks(org.ioana, "ro")
    opened = datetime(2026, 11, 2, 8, tzinfo=UTC)
    with time_machine.travel(opened, tick=False):
        open_ticket(org.ana)

    escalate_overdue(now=opened + timedelta(hours=21))

    email = OutboundEmail.objects.get(kind="escalated")
    assert email.recipients == [org.ioana.email]
    with translation.override("ro"):
        subject = ngettext(
            "%(total)s ticket(s) escalated to %(tier)s", "%(total)s ticket(s) escalated to %(tier)s", 1
        ) % {"total": 1, "tier": org.t2.name}
    assert email.subject == subject != f"1 ticket(s) escalated to {org.t2.name}"


def test_the_weekly_digest_reaches_each_person_in_their_language(org):
    speaks(org.ana, "hr")
    monday = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
    Bulletin.objects.create(
        department=org.sales, title="Kettle K3 out of stock", body="Offer the K4",
        posted_at=monday - timedelta(days=3), kind="out_of_stock",
    )

    send_weekly_digest(now=monday)

    to_ana = OutboundEmail.objects.get(kind="weekly_digest", recipients=[org.ana.email])
    to_ravi = OutboundEmail.objects.get(kind="weekly_digest", recipients=[org.ravi.email])
    assert "Kettle K3 out of stock" in to_ana.body and "Kettle K3 out of stock" in to_ravi.body
    assert said("hr", "Out of stock") in to_ana.body
    assert "Out of stock" in to_ravi.body


def test_the_monthly_summary_uses_each_manager_s_language_and_number_format(org):
    org.andrei.email = "andrei@example.com"
    org.andrei.save()
    speaks(org.andrei, "ro")
    busy_day(org, datetime(2026, 10, 5, 8, tzinfo=UTC), 3)

    with time_machine.travel(datetime(2026, 11, 1, 5, 0, tzinfo=UTC), tick=False):
        send_monthly_summary()

    email = OutboundEmail.objects.get(kind="monthly_summary")
    assert "October" not in email.subject
    assert "2026" in email.subject
    assert "Opened: 6" not in email.body


@pytest.mark.parametrize("language", ["en", "hr", "hi", "ro"])
def test_the_survey_email_speaks_the_customer_s_language(org, language):
    customer = CustomerFactory(email="c@example.net", language=language)
    ticket = open_ticket(org.ravi, customer=customer)

    actions.do_resolve_ticket(ticket, by=org.ravi, resolution="Sent a new kettle.")

    email = OutboundEmail.objects.get(kind="survey")
    with translation.override(language):
        subject = gettext("How did we do? Your ticket %(ref)s") % {"ref": ticket.reference}
    assert email.subject == subject
    assert ticket.reference in email.body
    assert (language == "en") == (subject == f"How did we do? Your ticket {ticket.reference}")
