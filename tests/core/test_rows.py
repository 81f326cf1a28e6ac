"""Small rows attached by id: one query per table, and once per GET request."""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from core.rows import RequestRowsMiddleware, attach_by_id, split_related
from tests.factories import open_ticket
from tickets.models import Ticket
from tickets.queries import TICKET_NAMES

pytestmark = pytest.mark.django_db


def fresh(tickets):
    return list(Ticket.objects.filter(pk__in=[t.pk for t in tickets]).order_by("id"))


def test_each_table_is_read_once_for_the_whole_list(org):
    tickets = [open_ticket(org.ana, subject=f"Call {n}") for n in range(5)]
    rows = fresh(tickets)
    with CaptureQueriesContext(connection) as queries:
        attach_by_id(rows, TICKET_NAMES)
        names = [(t.department.name, t.tier.name, t.owner.username, t.opened_by.username) for t in rows]
    # departments, tiers, people (owner and opener share theirs); no category, none resolved
    assert len(queries) == 3
    assert names == [(org.cs.name, org.t1.name, "ana", "ana")] * 5
    assert all(t.resolved_by is None and t.category is None for t in rows)


def test_a_get_request_reads_a_row_once_however_many_lists_show_it(org):
    tickets = [open_ticket(org.ana) for _n in range(2)]
    counts = []

    def view(request):
        for ticket in tickets:  # two panels, each its own list
            rows = fresh([ticket])
            with CaptureQueriesContext(connection) as queries:
                attach_by_id(rows, ("department", "tier"))
            counts.append(len(queries))
        return "page"

    assert RequestRowsMiddleware(view)(RequestFactory().get("/")) == "page"
    assert counts == [2, 0]


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_a_request_that_writes_keeps_nothing(org, method):
    ticket = open_ticket(org.ana)
    counts = []

    def view(request):
        for _panel in range(2):
            rows = fresh([ticket])
            with CaptureQueriesContext(connection) as queries:
                attach_by_id(rows, ("department",))
            counts.append(len(queries))
        return "done"

    RequestRowsMiddleware(view)(getattr(RequestFactory(), method)("/"))
    assert counts == [1, 1]


def test_nothing_is_kept_once_the_request_is_over(org):
    ticket = open_ticket(org.ana)
    RequestRowsMiddleware(lambda request: attach_by_id(fresh([ticket]), ("tier",)))(
        RequestFactory().get("/")
    )
    org.t1.name = "Renamed front line"
    org.t1.save()
    (row,) = attach_by_id(fresh([ticket]), ("tier",))
    assert row.tier.name == "Renamed front line"


def test_only_direct_small_relations_are_read_by_id():
    assert split_related(["customer", "tier", "ticket__owner", "owner"], TICKET_NAMES) == (
        ("customer", "ticket__owner"),
        ("tier", "owner"),
    )


def test_a_configuration_table_is_read_whole_once_per_get_request(org):
    """Departments, tiers and categories (``read_whole`` in DepartmentsConfig): the second
    panel of a page finds the rows the first did not show."""
    from departments.models import Tier

    first, second = open_ticket(org.ana), open_ticket(org.ana)
    Ticket.objects.filter(pk=second.pk).update(tier=org.t2)
    counts, names = [], []

    def view(request):
        for ticket in (first, second):
            rows = fresh([ticket])
            with CaptureQueriesContext(connection) as queries:
                attach_by_id(rows, ("tier",))
            counts.append(len(queries))
            names.append(rows[0].tier.name)
        return "page"

    RequestRowsMiddleware(view)(RequestFactory().get("/"))
    assert counts == [1, 0]
    assert names == [org.t1.name, org.t2.name]
    assert Tier.objects.count() > 2  # the whole table, not only the rows asked for


def test_a_configuration_table_past_the_limit_is_read_by_id(org, monkeypatch):
    import core.rows
    from departments.models import Tier

    monkeypatch.setattr(core.rows, "WHOLE_LIMIT", 0)
    ticket = open_ticket(org.ana)
    Ticket.objects.filter(pk=ticket.pk).update(tier=org.t2)
    seen = []

    def view(request):
        rows = fresh([ticket])
        with CaptureQueriesContext(connection) as queries:
            attach_by_id(rows, ("tier",))
        seen.append((len(queries), rows[0].tier.name))
        return "page"

    RequestRowsMiddleware(view)(RequestFactory().get("/"))
    # One row of the table (too many to read whole), then, unless it was that one, by its id.
    count, name = seen[0]
    assert name == org.t2.name
    assert count == (1 if org.t2.pk == Tier.objects.order_by().values_list("pk", flat=True).first() else 2)


def test_remembered_rows_are_not_read_again(org):
    from core.rows import remember

    ticket = open_ticket(org.ana)
    counts = []

    def view(request):
        remember([org.ana])
        rows = fresh([ticket])
        with CaptureQueriesContext(connection) as queries:
            attach_by_id(rows, ("owner",))
        counts.append(len(queries))
        assert rows[0].owner is org.ana
        return "page"

    RequestRowsMiddleware(view)(RequestFactory().get("/"))
    assert counts == [0]
