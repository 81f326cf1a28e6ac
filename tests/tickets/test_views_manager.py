"""The managers' list of every open ticket: filters, search, pages."""

import re
from datetime import timedelta
from html import unescape
from urllib.parse import unquote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from escalation.sweep import escalate_overdue
from tests.factories import CustomerFactory, open_ticket
from tickets import actions

pytestmark = pytest.mark.django_db


def listing(client, **params):
    return client.get(reverse("ticket-list"), params)


def test_only_managers_see_the_organisation_list(client, org):
    client.force_login(org.ioana)
    assert listing(client).status_code == 403
    client.force_login(org.andrei)
    assert listing(client).status_code == 200


def test_list_shows_open_tickets_of_every_department_not_resolved_ones(client, org):
    here = open_ticket(org.ana)
    sales = actions.do_open_ticket(
        by=org.elena, subject="Quote", customer=CustomerFactory(), department=org.sales
    )
    done = actions.do_resolve_ticket(
        open_ticket(org.ana, customer=CustomerFactory(email="")), by=org.ana, resolution="ok"
    )
    client.force_login(org.andrei)
    html = listing(client).content.decode()
    assert here.reference in html and sales.reference in html and done.reference not in html


def test_filters_by_department_tier_owner_breached_and_overdue(client, org):
    mine = open_ticket(org.ana, subject="Owned by Ana")
    queued = actions.do_pass_up(
        open_ticket(org.ana, subject="Waiting at Specialists"), by=org.ana, note="n"
    )
    sales = actions.do_open_ticket(
        by=org.elena, subject="Sales thing", customer=CustomerFactory(), department=org.sales
    )
    late = open_ticket(org.ana, subject="Late one", now=mine.opened_at - timedelta(days=3))
    for hours in (21, 42, 63):  # up to Specialists, up to Experts, then breached there
        escalate_overdue(now=late.opened_at + timedelta(hours=hours))
    late.refresh_from_db()
    assert late.breached
    client.force_login(org.andrei)

    def refs(**params):
        html = listing(client, **params).content.decode()
        return {t.reference for t in (mine, queued, sales, late) if t.reference in html}

    assert refs(department=org.sales.pk) == {sales.reference}
    assert refs(tier=org.t2.pk) == {queued.reference}
    assert refs(owner=org.ana.pk) == {mine.reference}
    assert refs(owner="none") == {queued.reference, late.reference}  # elena owns what she logged
    assert refs(breached="yes") == {late.reference}
    assert refs(overdue="no") == {mine.reference, queued.reference, sales.reference}


def test_search_by_reference_customer_or_text(client, org):
    a = open_ticket(org.ana, subject="Broken kettle", customer=CustomerFactory(name="Mara Pop"))
    b = open_ticket(org.ana, subject="Late parcel")
    client.force_login(org.andrei)
    assert b.reference in listing(client, q=b.reference).content.decode()
    assert a.reference not in listing(client, q=b.reference).content.decode()
    assert a.reference in listing(client, q="mara").content.decode()
    assert a.reference in listing(client, q="kettle").content.decode()
    assert b.reference not in listing(client, q="kettle").content.decode()


def test_bad_filter_values_do_not_break_the_page(client, org):
    client.force_login(org.andrei)
    response = listing(client, owner="99999", tier="abc", page="zzz")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_list_comes_a_page_at_a_time_by_cursor_and_keeps_filters(client, org, settings):
    settings.TIERDESK_PAGE_SIZE = 20
    tickets = [open_ticket(org.ana, subject=f"Ticket {i}") for i in range(45)]
    open_ticket(org.ana, subject="Something else")
    client.force_login(org.andrei)

    seen, response = [], listing(client, q="Ticket")
    while True:
        html = response.content.decode()
        seen += [t.reference for t in tickets if f">{t.reference}<" in html]
        # A search's matches are not counted (the count would test every open ticket).
        assert 'class="count"' not in html and "not counted" in html
        found = re.search(r'href="\?([^"]*)" rel="next"', html)
        if found is None:
            break
        assert "q=Ticket" in found.group(1)  # the filter travels with the cursor
        response = client.get(reverse("ticket-list") + "?" + unescape(found.group(1)))
    most_urgent_first = sorted(tickets, key=lambda t: (t.due_at, t.pk))
    assert seen == [t.reference for t in most_urgent_first]
    assert 'rel="first"' in html
    assert '<span class="count">46</span>' in listing(client).content.decode()  # unsearched: counted


def test_a_forged_cursor_is_a_400_naming_it(client, org):
    open_ticket(org.ana)
    client.force_login(org.andrei)
    response = listing(client, cursor="not-a-cursor")
    assert response.status_code == 400
    assert "cursor" in response.content.decode()


def test_a_deep_page_costs_the_queries_of_the_first(client, org, settings):
    settings.TIERDESK_PAGE_SIZE = 5
    for i in range(30):
        open_ticket(org.ana, subject=f"Ticket {i}")
    client.force_login(org.andrei)
    html = listing(client).content.decode()
    for _page in range(4):
        cursor = re.search(r'cursor=([^"&]+)" rel="next"', html).group(1)
        html = listing(client, cursor=unquote(cursor)).content.decode()
    with CaptureQueriesContext(connection) as first:
        listing(client)
    with CaptureQueriesContext(connection) as deep:
        listing(client, cursor=unquote(cursor))
    assert len(deep) == len(first)
    assert not any(re.search(r"OFFSET [1-9]", q["sql"]) for q in deep.captured_queries)


def _queries(client) -> int:
    listing(client)
    with CaptureQueriesContext(connection) as ctx:
        listing(client)
    return len(ctx.captured_queries)


def test_list_query_count_does_not_grow_with_tickets(client, org):
    client.force_login(org.andrei)
    for i in range(3):
        open_ticket(org.ana, subject=f"Few {i}")
    few = _queries(client)
    for i in range(27):
        open_ticket(org.ravi, subject=f"Many {i}")
    assert _queries(client) == few
