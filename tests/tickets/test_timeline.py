"""The ticket's story in words, told from what each entry stored at the time: changing a
tier's time afterwards does not rewrite it, and entries written before the facts were
stored read sensibly without borrowing today's configuration."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from core import display
from departments.models import Tier
from escalation.sweep import escalate_overdue
from tests.factories import open_ticket
from tickets import actions
from tickets import timeline as words
from tickets.models import Handoff, HandoffKind, Ticket
from tickets.queries import handoffs_of
from tickets.timeline import describe_handoff, timeline

pytestmark = pytest.mark.django_db

# 08:00 UTC is 11:00 in Bucharest (summer time until 25 October).
T0 = datetime(2026, 10, 12, 8, 0, tzinfo=UTC)
TWENTY_HOURS = timedelta(hours=20)


@pytest.fixture(autouse=True)
def _bucharest(settings):
    settings.TIERDESK_TIME_ZONE = "Europe/Bucharest"


def story(ticket: Ticket) -> list[str]:
    return [e.text for e in timeline(handoffs_of(ticket).order_by("id"), [])]


def said(ticket: Ticket, kind: str) -> str:
    entry = Handoff.objects.filter(ticket=ticket, kind=kind).select_related(
        "actor", "from_owner", "to_owner", "from_tier", "to_tier", "charged_to"
    ).latest("id")
    return describe_handoff(entry)[0]


def eventful_ticket(org) -> Ticket:
    """A late release, a late claim, an escalation, a pass, a breach and a transfer."""
    ticket = open_ticket(org.ana, now=T0)
    actions.do_release_ticket(ticket, by=org.ana, note="Off shift", now=T0 + timedelta(hours=18))
    actions.do_claim_ticket(ticket, by=org.ravi, now=T0 + timedelta(hours=19, minutes=30))
    escalate_overdue(now=T0 + TWENTY_HOURS + timedelta(minutes=2))
    actions.do_claim_ticket(ticket, by=org.marko, now=T0 + timedelta(hours=21))
    actions.do_pass_up(ticket, by=org.marko, note="Needs an expert", now=T0 + timedelta(hours=23, minutes=15))
    escalate_overdue(now=T0 + timedelta(hours=43, minutes=15))
    actions.do_transfer_ticket(ticket, by=org.andrei, department=org.sales, note="Refund", now=T0 + timedelta(hours=44))
    return ticket


# --- the words ----------------------------------------------------------------------------


def test_an_escalation_says_the_time_the_deadline_the_lateness_the_holder_and_the_charge(org):
    ticket = eventful_ticket(org)

    assert said(ticket, HandoffKind.ESCALATED) == (
        "Escalated from Front line to Specialists: not resolved within 20 h (due 13 Oct 2026,"
        " 07:00); the clock moved it 2 min later. Held by Ravi for 32 min; time-out charged to Ana."
    )


def test_an_escalation_charged_to_its_holder_does_not_repeat_the_name(org):
    ticket = open_ticket(org.ana, now=T0)
    escalate_overdue(now=T0 + TWENTY_HOURS)

    assert said(ticket, HandoffKind.ESCALATED).endswith(
        "the clock moved it under a minute later. Held by Ana for 20 h."
    )


def test_an_unclaimed_escalation_names_the_releaser_or_says_nobody_is_charged(org):
    dropped = open_ticket(org.ana, now=T0)
    actions.do_release_ticket(dropped, by=org.ana, now=T0 + timedelta(hours=2))
    nobodys = open_ticket(org.andrei, now=T0)
    escalate_overdue(now=T0 + TWENTY_HOURS + timedelta(hours=3))

    assert said(dropped, HandoffKind.ESCALATED).endswith(
        "the clock moved it 3 h later. Nobody had claimed it; charged to Ana, who released it."
    )
    assert said(nobodys, HandoffKind.ESCALATED).endswith(
        "Nobody had claimed it: an unowned time-out."
    )


def test_a_breach_says_the_top_tiers_time_and_deadline(org):
    ticket = eventful_ticket(org)

    assert said(ticket, HandoffKind.BREACHED) == (
        "Breached at Experts, the top tier: not resolved within 20 h (due 14 Oct 2026, 06:15);"
        " the clock marked it under a minute later. Nobody had claimed it: an unowned time-out."
    )


def test_a_breach_held_by_someone_who_got_it_late_names_the_late_releaser(org):
    ticket = open_ticket(org.elena, department=org.sales, now=T0)
    actions.do_release_ticket(ticket, by=org.elena, now=T0 + timedelta(hours=17))
    actions.do_claim_ticket(ticket, by=org.andrei, now=T0 + timedelta(hours=19, minutes=45))
    escalate_overdue(now=T0 + TWENTY_HOURS + timedelta(minutes=5))

    assert said(ticket, HandoffKind.BREACHED).endswith(
        "the clock marked it 5 min later. Held by Andrei for 20 min; time-out charged to Elena."
    )


def test_a_late_release_says_how_much_time_was_left(org):
    ticket = eventful_ticket(org)

    assert said(ticket, HandoffKind.RELEASED) == (
        "Released by Ana back to the Front line queue with 2 h of 20 h left"
    )


def test_a_release_in_good_time_or_by_someone_else_says_nothing_of_the_clock(org):
    early = open_ticket(org.ana, now=T0)
    actions.do_release_ticket(early, by=org.ana, now=T0 + timedelta(hours=2))
    by_manager = open_ticket(org.ana, now=T0)
    actions.do_release_ticket(by_manager, by=org.andrei, now=T0 + timedelta(hours=19))

    assert said(early, HandoffKind.RELEASED) == "Released by Ana back to the Front line queue"
    assert said(by_manager, HandoffKind.RELEASED) == "Released by Andrei back to the Front line queue"


def test_a_release_after_the_deadline_says_the_time_had_run_out(org):
    ticket = open_ticket(org.ana, now=T0)
    actions.do_release_ticket(ticket, by=org.ana, now=T0 + TWENTY_HOURS + timedelta(seconds=20))

    assert said(ticket, HandoffKind.RELEASED) == (
        "Released by Ana back to the Front line queue after its 20 h had run out"
    )


def test_a_pass_and_a_transfer_say_how_long_the_passer_held_the_ticket(org):
    ticket = eventful_ticket(org)
    other = open_ticket(org.ana, now=T0)
    actions.do_pass_up(other, by=org.andrei, note="Urgent", now=T0 + timedelta(minutes=45))
    own = open_ticket(org.ana, now=T0)
    actions.do_transfer_ticket(own, by=org.ana, department=org.sales, note="Billing", now=T0 + timedelta(hours=26))

    assert said(ticket, HandoffKind.PASSED) == (
        "Passed up from Specialists to Experts by Marko after holding it 2 h 15 min"
    )
    assert said(other, HandoffKind.PASSED) == (
        "Passed up from Front line to Specialists by Andrei; Ana had held it 45 min"
    )
    assert said(ticket, HandoffKind.TRANSFERRED) == "Transferred from Customer service to Sales by Andrei"
    assert said(own, HandoffKind.TRANSFERRED) == (
        "Transferred from Customer service to Sales by Ana after holding it 1 d 2 h"
    )


def test_times_are_on_the_organisations_clock(org, settings):
    ticket = open_ticket(org.ana, now=T0)
    escalate_overdue(now=T0 + TWENTY_HOURS)

    assert "(due 13 Oct 2026, 07:00)" in said(ticket, HandoffKind.ESCALATED)
    settings.TIERDESK_TIME_ZONE = "UTC"
    assert "(due 13 Oct 2026, 04:00)" in said(ticket, HandoffKind.ESCALATED)
    assert words.moment(T0) == "12 Oct 2026, 08:00"


@pytest.mark.parametrize(
    ("duration", "expected"),
    [
        (timedelta(0), "under a minute"),
        (timedelta(seconds=59), "under a minute"),
        (timedelta(minutes=5), "5 min"),
        (timedelta(hours=2), "2 h"),
        (timedelta(hours=3, minutes=12), "3 h 12 min"),
        (timedelta(days=1), "1 d"),
        (timedelta(days=1, hours=4, minutes=30), "1 d 4 h"),
    ],
)
def test_spans_are_said_the_way_agents_say_them(duration, expected):
    assert display.span(duration) == expected


# --- history is not rewritten ---------------------------------------------------------------


def timeline_html(client, ticket) -> str:
    html = client.get(reverse("ticket-detail", args=[ticket.reference])).content.decode()
    start = html.index('<ol class="timeline">')
    return html[start : html.index("</ol>", start)]


def test_changing_a_tiers_time_afterwards_does_not_change_the_timeline(client, org):
    ticket = eventful_ticket(org)
    client.force_login(org.andrei)
    words_before = story(ticket)
    page_before = timeline_html(client, ticket)
    assert any("20 h" in text for text in words_before)

    Tier.objects.update(resolve_within=timedelta(hours=7))

    assert story(ticket) == words_before
    assert timeline_html(client, ticket) == page_before
    assert "7 h" not in page_before


def test_entries_written_before_the_facts_were_stored_say_what_the_ledger_knew(org):
    """The rows of a ledger written before tickets/0005: no tier time, deadline, holding or charge.

    Whatever the tier's time is today (7 h), nothing is worked out from it: the sweep's
    own note, written at the time, says which time ran out.
    """
    Tier.objects.update(resolve_within=timedelta(hours=7))
    org.t1.refresh_from_db()
    org.t3.refresh_from_db()
    common = {"at": T0 + TWENTY_HOURS, "from_department": org.cs, "to_department": org.cs}
    escalated = Handoff(
        kind=HandoffKind.ESCALATED, from_owner=org.ana, from_tier=org.t1, to_tier=org.t2,
        note="Not resolved within 20 h at Front line.", sweep_lateness=timedelta(minutes=1), **common,
    )
    unclaimed = Handoff(
        kind=HandoffKind.ESCALATED, from_tier=org.t1, to_tier=org.t2,
        note="Not resolved within 20 h at Front line.", **common,
    )
    breached = Handoff(
        kind=HandoffKind.BREACHED, from_owner=org.priya, to_owner=org.priya, from_tier=org.t3,
        to_tier=org.t3, note="Not resolved within 20 h at the top tier, Experts.", **common,
    )
    released = Handoff(
        kind=HandoffKind.RELEASED, actor=org.ana, from_owner=org.ana, from_tier=org.t1,
        to_tier=org.t1, note="", **{**common, "at": T0 + timedelta(hours=19)},
    )
    passed = Handoff(
        kind=HandoffKind.PASSED, actor=org.ana, from_owner=org.ana, from_tier=org.t1,
        to_tier=org.t2, note="Tried", **common,
    )

    assert describe_handoff(escalated) == (
        "Escalated from Front line to Specialists by the clock; held by Ana",
        "Not resolved within 20 h at Front line.",
    )
    assert describe_handoff(unclaimed) == (
        "Escalated from Front line to Specialists by the clock; nobody had claimed it",
        "Not resolved within 20 h at Front line.",
    )
    assert describe_handoff(breached) == (
        "Breached at Experts; held by Priya",
        "Not resolved within 20 h at the top tier, Experts.",
    )
    assert describe_handoff(released) == ("Released by Ana back to the Front line queue", "")
    assert describe_handoff(passed) == ("Passed up from Front line to Specialists by Ana", "Tried")
    for entry in (escalated, unclaimed, breached, released, passed):
        assert "7 h" not in " ".join(describe_handoff(entry)), entry.kind
