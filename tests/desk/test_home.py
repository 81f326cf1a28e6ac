"""The home page: my tickets with countdowns, my tier's queue with Claim, the lead's view."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import open_ticket
from tickets import actions
from tickets.models import HandoffKind, Ticket

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def countdowns(html: str) -> list[tuple[str, str]]:
    """(css class, words) of every countdown on a page, in order."""
    return re.findall(r'class="countdown countdown--(\w+)"[^>]*>([^<]+)<', html)


def _queue_ticket(org, subject="Router keeps rebooting"):
    """A ticket waiting unowned in the Specialists' queue."""
    ticket = open_ticket(org.ana, subject=subject)
    return actions.do_pass_up(ticket, by=org.ana, note="Restarted it; still failing.")


def test_my_tickets_are_ordered_by_time_left_with_worded_countdowns(client, org):
    start = timezone.now()
    with time_machine.travel(start - timedelta(hours=19, minutes=55), tick=False):
        nearly_due = open_ticket(org.ana, subject="Nearly due")
    with time_machine.travel(start - timedelta(hours=17), tick=False):
        soon = open_ticket(org.ana, subject="Soon due")
    fresh = open_ticket(org.ana, subject="Fresh")
    client.force_login(org.ana)
    with time_machine.travel(start, tick=False):
        html = client.get(reverse("home")).content.decode()
    mine = html[html.index("My tickets") : html.index("Queue of")]
    assert (
        mine.index(nearly_due.reference) < mine.index(soon.reference) < mine.index(fresh.reference)
    )
    assert countdowns(mine) == [
        ("soon", "5 min left"),
        ("soon", "3 h left"),
        ("ok", "20 h left"),
    ]


def test_overdue_ticket_says_how_late_it_is(client, org):
    ticket = open_ticket(org.ana)
    client.force_login(org.ana)
    with time_machine.travel(ticket.due_at + timedelta(minutes=5), tick=False):
        html = client.get(reverse("home")).content.decode()
    assert countdowns(html) == [("late", "overdue 5 min")]


def test_queue_lists_unowned_tickets_of_my_tier_oldest_due_first_with_claim(client, org):
    first = _queue_ticket(org, "First")
    second = _queue_ticket(org, "Second")
    client.force_login(org.marko)
    html = client.get(reverse("home")).content.decode()
    assert "Queue of Specialists" in html
    assert html.index(first.reference) < html.index(second.reference)
    assert f'hx-post="{reverse("ticket-claim", args=[first.reference])}"' in html


def test_claim_from_the_queue_with_htmx_returns_the_row_not_a_page(client, org):
    ticket = _queue_ticket(org)
    client.force_login(org.marko)
    response = client.post(reverse("ticket-claim", args=[ticket.reference]), **HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith("<tr") and "<html" not in html
    assert "Claimed: it is yours now." in html
    ticket.refresh_from_db()
    assert ticket.owner == org.marko


def test_claim_lost_to_a_colleague_says_who_has_it_and_refreshes_the_row(client, org):
    ticket = _queue_ticket(org)
    actions.do_claim_ticket(ticket, by=org.ioana)
    client.force_login(org.marko)
    response = client.post(reverse("ticket-claim", args=[ticket.reference]), **HX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Already claimed by Ioana." in html
    assert "Owner: Ioana" in html and "Claim</button>" not in html
    assert Ticket.objects.get(pk=ticket.pk).owner == org.ioana


def test_claim_without_htmx_redirects_to_the_ticket(client, org):
    ticket = _queue_ticket(org)
    client.force_login(org.marko)
    response = client.post(reverse("ticket-claim", args=[ticket.reference]))
    assert response.status_code == 302
    assert response["Location"] == reverse("ticket-detail", args=[ticket.reference])


def test_lead_sees_owned_tickets_grouped_by_owner_and_can_assign(client, org):
    owned = _queue_ticket(org, "Owned by marko")
    actions.do_claim_ticket(owned, by=org.marko)
    waiting = _queue_ticket(org, "Waiting")
    client.force_login(org.ioana)
    html = client.get(reverse("home")).content.decode()
    assert "Owned at Specialists, by owner" in html
    assert '<h4 class="owner-group">Marko' in html
    assert f'id="assign-{waiting.pk}"' in html and f'id="assign-{owned.pk}"' in html
    response = client.post(
        reverse("ticket-assign", args=[waiting.reference]),
        {"to": org.marko.pk, "next": reverse("home")},
    )
    assert response.status_code == 302 and response["Location"] == reverse("home")
    waiting.refresh_from_db()
    assert waiting.owner == org.marko
    assert waiting.handoffs.last().kind == HandoffKind.ASSIGNED


def test_agent_who_is_not_a_lead_sees_no_assign_select(client, org):
    _queue_ticket(org)
    client.force_login(org.marko)
    html = client.get(reverse("home")).content.decode()
    assert 'name="to"' not in html and "Owned at Specialists" not in html


def test_assign_to_someone_outside_the_tier_is_refused_in_words(client, org):
    ticket = _queue_ticket(org)
    client.force_login(org.ioana)
    response = client.post(reverse("ticket-assign", args=[ticket.reference]), {"to": org.ana.pk})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.owner is None


def test_next_pointing_to_another_site_is_ignored(client, org):
    ticket = _queue_ticket(org)
    client.force_login(org.ioana)
    response = client.post(
        reverse("ticket-assign", args=[ticket.reference]),
        {"to": org.marko.pk, "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("ticket-detail", args=[ticket.reference])


def _home_queries(client, user) -> int:
    client.force_login(user)
    client.get(reverse("home"))  # warm the session
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("home")).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("username", ["ana", "ioana"])
def test_home_page_query_count_does_not_grow_with_tickets(client, org, username, settings):
    settings.TIERDESK_PANEL_SIZE = 50  # neither size fills a panel: no count query in either
    user = getattr(org, username)

    def add(n):
        for i in range(n):
            if username == "ana":
                open_ticket(org.ana, subject=f"Mine {i}")
                t = open_ticket(org.ravi, subject=f"Queue {i}")
                actions.do_release_ticket(t, by=org.ravi)
            else:
                t = _queue_ticket(org, f"Queued {i}")
                if i % 2:
                    actions.do_claim_ticket(t, by=org.marko)

    add(3)
    few = _home_queries(client, user)
    add(27)
    many = _home_queries(client, user)
    assert few == many
