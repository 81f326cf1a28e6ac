"""The ticket page: header, customer panel, the timeline in words and the moves on offer."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from escalation.sweep import escalate_overdue
from tests.factories import CustomerFactory, open_ticket
from tickets import actions
from tickets.models import HandoffKind, Note, Status, Ticket

pytestmark = pytest.mark.django_db


def page(client, ticket):
    return client.get(reverse("ticket-detail", args=[ticket.reference]))


def test_header_shows_reference_subject_status_place_owner_time_left_and_customer(client, org):
    ticket = open_ticket(org.ana, subject="Kettle leaks", customer=CustomerFactory(name="Mara Pop"))
    client.force_login(org.ana)
    html = page(client, ticket).content.decode()
    for text in (
        ticket.reference,
        "Kettle leaks",
        "Open",
        "Customer service",
        "Front line",
        "Ana",
        "Mara Pop",
        "left",
    ):
        assert text in html, text


def test_customer_panel_lists_every_other_ticket_but_links_only_readable_ones(client, org):
    customer = CustomerFactory(phone="+40 1", email="c@example.net")
    ticket = open_ticket(org.ana, customer=customer)
    mine_too = open_ticket(org.ana, customer=customer, subject="Second")
    in_sales = actions.do_open_ticket(
        by=org.elena, subject="Invoice", customer=customer, department=org.sales
    )
    client.force_login(org.ana)
    html = page(client, ticket).content.decode()
    assert "c@example.net" in html and "+40 1" in html
    assert f'href="{reverse("ticket-detail", args=[mine_too.reference])}"' in html
    assert in_sales.reference in html and "Invoice" in html
    assert f'href="{reverse("ticket-detail", args=[in_sales.reference])}"' not in html


def test_timeline_tells_every_handoff_and_note_in_words_newest_last(client, org):
    start = timezone.now() - timedelta(days=3)
    ticket = open_ticket(org.ana, now=start)
    actions.do_add_note(
        ticket,
        by=org.ana,
        body="Customer sent photos.",
        internal=False,
        now=start + timedelta(minutes=1),
    )
    escalate_overdue(now=start + timedelta(hours=21))
    actions.do_assign_ticket(ticket, by=org.ioana, to=org.marko, now=start + timedelta(hours=22))
    actions.do_release_ticket(ticket, by=org.marko, now=start + timedelta(hours=23))
    actions.do_claim_ticket(ticket, by=org.marko, now=start + timedelta(hours=24))
    actions.do_pass_up(
        ticket, by=org.marko, note="Replaced the part; still leaks.", now=start + timedelta(hours=25)
    )
    escalate_overdue(now=start + timedelta(hours=46))
    actions.do_transfer_ticket(
        ticket,
        by=org.andrei,
        department=org.sales,
        note="Needs a refund.",
        now=start + timedelta(hours=47),
    )
    actions.do_claim_ticket(ticket, by=org.elena, now=start + timedelta(hours=48))
    actions.do_resolve_ticket(
        ticket, by=org.elena, resolution="Refunded.", now=start + timedelta(hours=49)
    )
    client.force_login(org.andrei)
    html = page(client, ticket).content.decode()
    expected = [
        "Opened by Ana at Front line",
        "Note for the customer by Ana",
        "Escalated from Front line to Specialists: not resolved within 20 h (due ",
        "the clock moved it 1 h later. Held by Ana for 21 h.",
        "Assigned to Marko by Ioana",
        "Released by Marko back to the Specialists queue",
        "Claimed by Marko",
        "Passed up from Specialists to Experts by Marko after holding it 1 h:"
        " <q>Replaced the part; still leaks.</q>",
        "Breached at Experts, the top tier: not resolved within 20 h (due ",
        "the clock marked it 1 h later. Nobody had claimed it: an unowned time-out.",
        "Transferred from Customer service to Sales by Andrei: <q>Needs a refund.</q>",
        "Claimed by Elena",
        "Resolved by Elena: <q>Refunded.</q>",
    ]
    positions = [html.index(text) for text in expected]
    assert positions == sorted(positions)


def test_only_the_moves_this_user_may_make_are_shown(client, org):
    ticket = open_ticket(org.ana)
    client.force_login(org.ravi)  # same tier, not the owner
    html = page(client, ticket).content.decode()
    assert "Add a note" in html
    for move in ("pass", "resolve", "transfer", "claim", "assign", "release"):
        assert f'action="{reverse(f"ticket-{move}", args=[ticket.reference])}"' not in html, move
    client.force_login(org.ana)
    html = page(client, ticket).content.decode()
    for move in ("pass", "resolve", "transfer", "release", "note"):
        assert f'action="{reverse(f"ticket-{move}", args=[ticket.reference])}"' in html, move


def test_a_resolved_ticket_offers_no_moves(client, org):
    ticket = actions.do_resolve_ticket(open_ticket(org.ana), by=org.ana, resolution="Done.")
    client.force_login(org.ana)
    html = page(client, ticket).content.decode()
    assert "What you can do" not in html and "resolved" in html


def test_invisible_and_missing_tickets_are_404(client, org):
    ticket = actions.do_open_ticket(
        by=org.elena, subject="Sales only", customer=CustomerFactory(), department=org.sales
    )
    client.force_login(org.ana)
    assert page(client, ticket).status_code == 404
    assert client.get(reverse("ticket-detail", args=["T-999999"])).status_code == 404
    assert client.get(reverse("ticket-detail", args=["garbage"])).status_code == 404
    response = client.post(
        reverse("ticket-note", args=[ticket.reference]), {"body": "hi", "visibility": "internal"}
    )
    assert response.status_code == 404
    assert not Note.objects.exists()


@pytest.mark.parametrize(
    ("move", "data"),
    [
        ("pass", {"note": "forged"}),
        ("resolve", {"resolution": "forged"}),
        ("transfer", {"department": "SALES", "note": "forged"}),
        ("release", {"note": ""}),
        ("assign", {"to": "RAVI"}),
        ("claim", {}),
    ],
)
def test_forged_post_for_a_move_not_shown_is_403_and_changes_nothing(client, org, move, data):
    ticket = open_ticket(org.ana)
    before = list(ticket.handoffs.values_list("id", flat=True))
    data = {k: {"SALES": org.sales.pk, "RAVI": org.ravi.pk}.get(v, v) for k, v in data.items()}
    client.force_login(org.marko if move == "claim" else org.ravi)
    response = client.post(reverse(f"ticket-{move}", args=[ticket.reference]), data)
    assert response.status_code == 403
    assert "Nothing was changed." in response.content.decode()
    after = Ticket.objects.get(pk=ticket.pk)
    assert (after.owner_id, after.tier_id, after.department_id, after.status) == (
        org.ana.pk,
        org.t1.pk,
        org.cs.pk,
        Status.OPEN,
    )
    assert list(after.handoffs.values_list("id", flat=True)) == before


def test_unknown_move_is_404(client, org):
    ticket = open_ticket(org.ana)
    client.force_login(org.ana)
    assert client.post(f"/tickets/{ticket.reference}/explode/").status_code == 404


def test_moves_refuse_get(client, org):
    ticket = open_ticket(org.ana)
    client.force_login(org.ana)
    assert client.get(reverse("ticket-pass", args=[ticket.reference])).status_code == 405


def test_pass_up_without_a_note_shows_the_error_on_the_page(client, org):
    ticket = open_ticket(org.ana)
    client.force_login(org.ana)
    response = client.post(reverse("ticket-pass", args=[ticket.reference]), {"note": "  "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).tier == org.t1


def test_stale_move_after_a_colleague_acted_is_explained_not_a_500(client, org):
    ticket = open_ticket(org.ana)
    client.force_login(org.andrei)
    actions.do_resolve_ticket(ticket, by=org.ana, resolution="Solved by Ana meanwhile.")
    response = client.post(
        reverse("ticket-pass", args=[ticket.reference]), {"note": "Tried things"}
    )
    assert response.status_code == 409
    assert "resolved ticket never changes again" in response.content.decode()


def test_pass_up_at_the_top_tier_is_explained(client, org):
    ticket = open_ticket(org.ana)
    actions.do_pass_up(ticket, by=org.ana, note="n")
    actions.do_pass_up(ticket, by=org.andrei, note="n")
    client.force_login(org.andrei)
    response = client.post(reverse("ticket-pass", args=[ticket.reference]), {"note": "again"})
    assert response.status_code == 409
    assert "is the top tier" in response.content.decode()


def test_each_move_goes_through_the_action_and_records_its_handoff(client, org):
    ticket = open_ticket(org.ana)
    client.force_login(org.ana)
    url = lambda move: reverse(f"ticket-{move}", args=[ticket.reference])  # noqa: E731
    assert (
        client.post(url("note"), {"body": "Called back.", "visibility": "customer"}).status_code
        == 302
    )
    assert Note.objects.get().internal is False
    assert client.post(url("pass"), {"note": "Checked cables."}).status_code == 302
    client.force_login(org.marko)
    assert client.post(url("claim")).status_code == 302
    client.force_login(org.ioana)
    assert client.post(url("assign"), {"to": org.ioana.pk}).status_code == 302
    assert client.post(url("release"), {"note": "Back to the pool"}).status_code == 302
    client.force_login(org.marko)
    client.post(url("claim"))
    response = client.post(url("transfer"), {"department": org.sales.pk, "note": "Refund needed"})
    # marko is not in Sales but handed it on, so the ticket stays in his sight.
    assert response["Location"] == reverse("ticket-detail", args=[ticket.reference])
    client.force_login(org.elena)
    client.post(url("claim"))
    follow = client.post(url("resolve"), {"resolution": "Refunded."}, follow=True)
    assert "Resolved." in follow.content.decode()
    kinds = list(
        Ticket.objects.get(pk=ticket.pk).handoffs.order_by("id").values_list("kind", flat=True)
    )
    assert kinds == [
        HandoffKind.OPENED,
        HandoffKind.PASSED,
        HandoffKind.CLAIMED,
        HandoffKind.ASSIGNED,
        HandoffKind.RELEASED,
        HandoffKind.CLAIMED,
        HandoffKind.TRANSFERRED,
        HandoffKind.CLAIMED,
        HandoffKind.RESOLVED,
    ]


def test_transfer_to_the_same_department_is_a_form_error(client, org):
    ticket = open_ticket(org.ana)
    client.force_login(org.ana)
    response = client.post(
        reverse("ticket-transfer", args=[ticket.reference]), {"department": org.cs.pk, "note": "x"}
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def _page_queries(client, ticket) -> int:
    page(client, ticket)
    with CaptureQueriesContext(connection) as ctx:
        assert page(client, ticket).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("username", ["ioana", "andrei"])
def test_ticket_page_query_count_does_not_grow_with_handoffs_notes_or_history(
    client, org, username
):
    customer = CustomerFactory()
    ticket = actions.do_pass_up(open_ticket(org.ana, customer=customer), by=org.ana, note="up")
    client.force_login(getattr(org, username))

    def churn(n):
        for i in range(n):
            actions.do_claim_ticket(ticket, by=org.marko)
            actions.do_release_ticket(ticket, by=org.marko, note=f"round {i}")
            actions.do_add_note(ticket, by=org.ioana, body=f"note {i}")
            open_ticket(org.ana, customer=customer, subject=f"Other {i}")

    churn(3)
    few = _page_queries(client, ticket)
    churn(27)
    many = _page_queries(client, ticket)
    # Never more: a table read by id is skipped when none of the page's rows point at it.
    assert many <= few
