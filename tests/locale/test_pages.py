"""Every main page, rendered in Croatian, Hindi and Romanian with a realistic ticket, shows no
English the product wrote. What people typed (names, subjects, notes, the organisation's own
department and tier names) is theirs and exempt; so is the product name.

The English is the catalogue's own msgids: each literal piece of every message (between its
placeholders and tags) that the language translates differently is looked for, as whole words,
in the page's text and in its title, placeholder and aria-label attributes.
"""

import html
import re
from datetime import timedelta
from functools import cache

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone

from departments import actions as department_actions
from departments.models import (
    BulletinKind,
    Calendar,
    Category,
    Department,
    Membership,
    StaffPreferences,
)
from escalation.sweep import escalate_overdue
from outbox.models import OutboundEmail
from referrals import actions as referral_actions
from reports.months import month_containing
from tests.factories import CustomerFactory, build_organisation, office_hours
from tests.locale.catalogues import TRANSLATED, catalogue, translations
from tickets import actions

SURVEY_LINK = re.compile(r"/survey/T-\d+/[A-Za-z0-9_-]+/")
TAG = re.compile(r"<[^>]+>")
INVISIBLE = re.compile(r"<(script|style)\b.*?</\1>", re.S)
ATTRIBUTE = re.compile(r'\b(?:title|placeholder|aria-label|alt)="([^"]*)"')
# Shown as they are in every language.
EXEMPT_WORDS = {"Tierdesk", "CSV", "API", "ID", "URL", "ISO", "JSON", "E.164", "Alt+L", "OK"}


def _pieces(text: str) -> list[str]:
    """The literal pieces of a msgid worth looking for: a word of 3+ letters or a phrase."""
    found = []
    for piece in re.split(r"%\([a-z_0-9]+\)[sdfir]|%[sd]|\{[a-z_0-9]*\}|<[^>]+>|\n", text):
        piece = piece.strip(" .,:;!?()[]—–-·/«»\"'…*#|")
        if len(re.sub(r"[^A-Za-z]", "", piece)) >= 3 and piece not in EXEMPT_WORDS:
            found.append(piece)
    return found


@cache
def english_of(language: str) -> re.Pattern:
    """One pattern matching any English piece the language says differently."""
    po = catalogue(language)
    said = "\n".join(text for entry in po for text in translations(entry))
    pieces = set()
    for entry in po:
        for msgid in filter(None, (entry.msgid, entry.msgid_plural)):
            pieces.update(p for p in _pieces(msgid) if p not in said)
    ordered = sorted(pieces, key=len, reverse=True)
    return re.compile(r"(?<![A-Za-z])(?:" + "|".join(map(re.escape, ordered)) + r")(?![A-Za-z])")


def visible_text(page: str, exempt: list[str]) -> str:
    page = INVISIBLE.sub(" ", page)
    text = " ".join([TAG.sub(" ", page), *ATTRIBUTE.findall(page)])
    text = html.unescape(text)
    typed = "|".join(map(re.escape, sorted(set(exempt), key=len, reverse=True)))
    text = re.sub(rf"(?<!\w)(?:{typed})(?!\w)", " ", text)
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def desk(db, language):
    """A morning at the desk: a ticket passed up and asked about, one escalated by the clock,
    one resolved with its survey, news and key contacts; everyone speaks ``language``."""
    org = build_organisation()
    Membership.objects.filter(user=org.elena).update(is_lead=True)  # so questions to sales are mailed
    for user in get_user_model().objects.all():
        StaffPreferences.objects.create(user=user, language=language)
    category = Category.objects.create(
        name="Delivery", slug="delivery", intake_checklist="Order number?\nTracking number?"
    )
    now = timezone.now()
    with time_machine.travel(now - timedelta(days=2), tick=False):
        customer = CustomerFactory(
            name="Maria Popescu", email="maria@example.net", phone="+40 721 000 101", language=language
        )
        ticket = actions.do_open_ticket(
            by=org.ana, customer=customer, category=category,
            subject="Parcel 58213 not delivered", description="Promised for Tuesday, still in transit.",
        )
        actions.do_add_note(ticket, by=org.ana, body="Caller reachable after 17:00.")
        actions.do_pass_up(ticket, by=org.ana, note="Needs the courier's answer.")
        actions.do_claim_ticket(ticket, by=org.marko)
        referral = referral_actions.do_refer_ticket(
            ticket, by=org.marko, department=org.sales, question="Is item 3 out of stock?"
        )
        referral_actions.do_answer_referral(referral, by=org.elena, answer="Yes, the X210 replaces it.")
        late = actions.do_open_ticket(by=org.ravi, customer=customer, subject="Invoice twice")
        done = actions.do_open_ticket(by=org.ravi, customer=customer, subject="Kettle broken")
        actions.do_resolve_ticket(done, by=org.ravi, resolution="Sent a new kettle.")
        department_actions.do_post_bulletin(
            by=org.elena, department=org.sales, title="X200 out of stock until the 30th",
            body="Offer the X210 at the same price.", kind=BulletinKind.OUT_OF_STOCK, pinned=True,
        )
        department_actions.do_add_contact(
            by=org.andrei, department=org.sales, name="Elena Marin", role="Sales lead",
            phone="+40 21 300 0101", hours="Mon–Fri 9–17",
        )
    escalate_overdue(now=now)
    # Sales works office hours (its countdowns say working time); Ravi waits on a customer.
    Department.objects.filter(pk=org.sales.pk).update(calendar=office_hours())
    waiting = actions.do_open_ticket(by=org.ravi, customer=customer, subject="Photo of the label")
    actions.do_pause_ticket(waiting, by=org.ravi, reason="A photo of the label on the box")
    actions.do_claim_ticket(ticket, by=org.priya)
    open_referral = referral_actions.do_refer_ticket(
        ticket, by=org.priya, department=org.sales, question="Can we offer the X210 at the X200's price?"
    )
    survey = SURVEY_LINK.search(OutboundEmail.objects.get(kind="survey").body).group(0)
    return {"org": org, "ticket": ticket, "late": late, "done": done, "customer": customer, "waiting": waiting,
            "referral": open_referral, "survey": survey}


def typed_by_people(desk) -> list[str]:
    from django.contrib.auth import get_user_model

    from departments.models import Bulletin, Department, KeyContact, Tier
    from referrals.models import Referral
    from tickets.models import Customer, Note, Ticket

    typed: list[str] = []
    for user in get_user_model().objects.all():
        typed += [user.get_full_name(), user.username, user.email]
    typed += [d.name for d in Department.objects.all()] + [t.name for t in Tier.objects.all()]
    # Charts label a tier by the first 12 characters of its department's name.
    typed += [d.name[:12] for d in Department.objects.all()]
    typed += [c.name for c in Category.objects.all()]
    typed += list(Calendar.objects.values_list("name", flat=True))
    typed += [line for c in Category.objects.all() for line in c.intake_checklist.splitlines()]
    for customer in Customer.objects.all():
        typed += [customer.name, customer.email, customer.phone]
    for ticket in Ticket.objects.all():
        typed += [ticket.subject, ticket.description, ticket.resolution, ticket.pause_reason]
    typed += [n.body for n in Note.objects.all()]
    for r in Referral.objects.all():
        typed += [r.question, r.answer]
    for b in Bulletin.objects.all():
        typed += [b.title, b.body]
    for c in KeyContact.objects.all():
        typed += [c.name, c.role, c.hours, c.phone]
    return [t for t in typed if t]


# The first number's drill-down link on the dashboard just rendered.
FIRST_DRILL_DOWN = "drill-down"
DRILL_LINK = re.compile(r'href="(/reports/tickets/\?[^"]+)"')


def pages(desk) -> list[tuple[str, object, str]]:
    """(who, user or None, path) for every main page."""
    org, ticket = desk["org"], desk["ticket"]
    survey_path = desk["survey"]
    return [
        ("agent", org.ana, "/"),
        ("agent", org.ana, "/call/"),
        ("agent", org.ana, f"/tickets/{desk['late'].reference}/"),
        ("agent", org.ana, f"/customers/{desk['customer'].pk}/"),
        ("agent", org.ana, "/directory/"),
        ("agent", org.ana, f"/directory/{org.sales.slug}/"),
        ("agent", org.ana, "/bulletins/"),
        ("agent", org.ana, "/preferences/"),
        ("agent", org.ana, "/referrals/"),
        ("agent", org.ravi, "/"),
        ("agent", org.ravi, f"/tickets/{desk['waiting'].reference}/"),
        ("owner", org.priya, f"/tickets/{ticket.reference}/"),
        ("owner", org.marko, "/"),
        ("lead", org.ioana, "/"),
        ("lead", org.priya, "/"),
        ("sales", org.elena, "/referrals/"),
        ("sales", org.elena, f"/referrals/{desk['referral'].pk}/"),
        ("sales", org.elena, "/bulletins/new/"),
        ("manager", org.andrei, "/"),
        ("manager", org.andrei, "/tickets/"),
        ("manager", org.andrei, f"/tickets/{ticket.reference}/"),
        # The month the desk's tickets were opened in: the page's default is the last full
        # month, which holds none of them from the 3rd of a month on.
        ("manager", org.andrei, f"/reports/?month={month_containing(desk['late'].opened_at).key}"),
        ("manager", org.andrei, FIRST_DRILL_DOWN),
        ("manager", org.andrei, "/directory/changes/"),
        ("anonymous", None, "/accounts/login/"),
        ("anonymous", None, "/no-such-page/"),
        ("customer", None, survey_path),
    ]


@pytest.mark.parametrize("language", TRANSLATED)
def test_no_english_shows_through_on_the_main_pages(desk, client, language):
    exempt = typed_by_people(desk)
    english = english_of(language)
    shown_through: dict[str, list[str]] = {}
    response = None
    for who, user, path in pages(desk):
        client.logout()
        if user is not None:
            client.force_login(user)
        if path == FIRST_DRILL_DOWN:
            assert response is not None
            path = html.unescape(DRILL_LINK.search(response.content.decode()).group(1))
        # The browser asks for English: the person's own choice must win.
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="en" if user else language)
        assert response.status_code in (200, 404), (who, path, response.status_code)
        assert response.headers["Content-Language"] == language, path
        text = visible_text(response.content.decode(), exempt)
        found = sorted(set(english.findall(text)))
        if found:
            shown_through[f"{who} {path}"] = found
    assert shown_through == {}, "\n".join(f"{page}: {found}" for page, found in shown_through.items())


@pytest.mark.parametrize("language", TRANSLATED)
def test_no_english_shows_through_in_the_emails(desk, language):
    """Every email the morning sent (assignment, arrivals, escalation, referrals, survey)."""
    exempt = typed_by_people(desk)
    english = english_of(language)
    emails = list(OutboundEmail.objects.order_by("id"))
    assert {"passed up", "escalated", "referral_asked", "referral_answered", "survey"} <= {e.kind for e in emails}
    shown_through = {}
    for email in emails:
        found = sorted(set(english.findall(visible_text(f"{email.subject}\n{email.body}", exempt))))
        if found:
            shown_through[f"{email.kind} {email.subject}"] = found
    assert shown_through == {}, "\n".join(f"{kind}: {found}" for kind, found in shown_through.items())


@pytest.mark.parametrize("language", TRANSLATED)
def test_a_form_error_is_said_in_the_language(desk, client, language):
    client.force_login(desk["org"].ana)
    response = client.post("/call/", {"subject": "", "name": ""}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    text = visible_text(response.content.decode(), typed_by_people(desk))
    assert sorted(set(english_of(language).findall(text))) == []
