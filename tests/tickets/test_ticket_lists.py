"""The home panels' full lists: every ticket exactly once by following "Next", the same
queries on every page, a broken cursor a 400, another tier's lists closed."""

import re
from base64 import urlsafe_b64encode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.desk.test_home_bounds import many_tickets
from tickets.bounded import decode_cursor, encode_cursor

pytestmark = pytest.mark.django_db

REF = re.compile(r'class="ref" href="/tickets/(T-\d+)/"')
NEXT = re.compile(r'href="([^"]+)" rel="next"')


def walk(client, url):
    """Follow "Next" from ``url``: the references of every page, and each page's queries."""
    seen, queries = [], []
    while url:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200, response.content[:300]
        html = response.content.decode()
        seen.append(REF.findall(html))
        queries.append(len(ctx.captured_queries))
        found = NEXT.search(html)
        url = found.group(1).replace("&amp;", "&") if found else None
    return seen, queries


def expect(tickets, key):
    return [t.reference for t in sorted(tickets, key=lambda t: (getattr(t, key), t.pk))]


def test_my_tickets_are_walked_exactly_once_with_constant_queries(client, org, settings):
    settings.TIERDESK_PAGE_SIZE = 50
    # Three tickets share each due time: the id breaks the tie across page boundaries.
    mine = many_tickets(2000, tier=org.t2, owner=org.marko)
    many_tickets(30, tier=org.t2, owner=org.marko, paused=True)  # not in this list
    client.force_login(org.marko)
    client.get(reverse("home"))
    pages, queries = walk(client, reverse("my-tickets"))
    assert len(pages) == 40 and all(len(page) == 50 for page in pages)
    assert [ref for page in pages for ref in page] == expect(mine, "due_at")
    assert len(set(queries)) == 1, queries


def test_waiting_queue_and_held_lists_walk_every_ticket(client, org, settings):
    settings.TIERDESK_PAGE_SIZE = 7
    waiting = many_tickets(30, tier=org.t2, owner=org.marko, paused=True)
    queue = many_tickets(22, tier=org.t2)
    held = many_tickets(15, tier=org.t2, owner=org.marko)
    client.force_login(org.ioana)
    for url, tickets, key in [
        (reverse("tier-held-waiting", args=[org.t2.pk]), waiting, "paused_at"),
        (reverse("tier-queue", args=[org.t2.pk]), queue, "due_at"),
        (reverse("tier-held", args=[org.t2.pk]), held, "due_at"),
    ]:
        pages, _queries = walk(client, url)
        assert [ref for page in pages for ref in page] == expect(tickets, key), url
    client.force_login(org.marko)
    pages, _queries = walk(client, reverse("my-waiting-tickets"))
    assert [ref for page in pages for ref in page] == expect(waiting, "paused_at")


def test_the_cursor_is_opaque_and_round_trips(org):
    ticket = many_tickets(1, tier=org.t2)[0]
    token = encode_cursor(ticket.due_at, ticket.pk)
    assert str(ticket.pk) not in token and "|" not in token
    assert decode_cursor(token) == (ticket.due_at, ticket.pk)


def _b64(text: str) -> str:
    return urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "!!!",
        "é",
        "x" * 500,
        _b64("not a date|5"),
        _b64("2026-01-01T00:00:00+00:00|abc"),
        _b64("2026-01-01T00:00:00+00:00|0"),
        _b64("2026-01-01T00:00:00+00:00|99999999999999999999"),
        _b64("2026-01-01T00:00:00|5"),  # no time zone
        _b64("2026-01-01T00:00:00+00:00"),
        urlsafe_b64encode(b"\xff\xfe|1").decode(),
    ],
)
def test_a_forged_or_garbage_cursor_is_a_400_naming_it(client, org, cursor):
    client.force_login(org.ioana)
    for url in (reverse("my-tickets"), reverse("tier-queue", args=[org.t2.pk])):
        response = client.get(url, {"cursor": cursor})
        assert response.status_code == 400
        assert response.content.decode().startswith("cursor: This page link is broken")


def test_a_cursor_past_the_end_is_an_empty_page(client, org):
    many_tickets(3, tier=org.t2, owner=org.marko)
    client.force_login(org.marko)
    cursor = _b64("2999-01-01T00:00:00+00:00|1")
    response = client.get(reverse("my-tickets"), {"cursor": cursor})
    assert response.status_code == 200 and "No more tickets in this list." in response.content.decode()


@pytest.mark.parametrize(
    ("username", "name", "status"),
    [
        ("outsider", "tier-queue", 403),
        ("ana", "tier-queue", 403),  # another tier of the same department
        ("elena", "tier-queue", 403),  # another department
        ("marko", "tier-queue", 200),
        ("ioana", "tier-queue", 200),
        ("andrei", "tier-queue", 200),  # a manager
        ("outsider", "tier-held", 403),
        ("marko", "tier-held", 403),  # a member, not the lead
        ("marko", "tier-held-waiting", 403),
        ("priya", "tier-held", 403),  # the lead of another tier
        ("ioana", "tier-held", 200),
        ("ioana", "tier-held-waiting", 200),
        ("andrei", "tier-held", 200),
    ],
)
def test_a_tier_list_follows_the_home_page_rules(client, org, username, name, status):
    many_tickets(2, tier=org.t2)
    client.force_login(getattr(org, username))
    assert client.get(reverse(name, args=[org.t2.pk])).status_code == status


def test_a_missing_tier_is_a_404_and_a_stranger_must_sign_in(client, org):
    client.force_login(org.outsider)
    assert client.get(reverse("tier-queue", args=[987654])).status_code == 404
    assert client.get("/tickets/queue/abc/").status_code == 404
    client.logout()
    response = client.get(reverse("tier-queue", args=[org.t2.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_lead_can_assign_from_the_full_lists(client, org):
    queued = many_tickets(1, tier=org.t2)[0]
    held = many_tickets(1, tier=org.t2, owner=org.marko)[0]
    client.force_login(org.ioana)
    assert f'id="assign-{queued.pk}"' in client.get(reverse("tier-queue", args=[org.t2.pk])).content.decode()
    assert f'id="assign-{held.pk}"' in client.get(reverse("tier-held", args=[org.t2.pk])).content.decode()
    client.force_login(org.marko)
    assert 'name="to"' not in client.get(reverse("tier-queue", args=[org.t2.pk])).content.decode()
