"""Every action: the allowed path, the refused paths, one handoff each, effects after commit."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from core.errors import Conflict, InvalidInput, NotAllowed
from outbox.actions import drain
from outbox.models import OutboundEmail
from tests.factories import CustomerFactory, open_ticket
from tickets import actions
from tickets.errors import AlreadyClaimed, TicketResolved
from tickets.models import Handoff, Note, Status

pytestmark = pytest.mark.django_db


def kinds(ticket):
    return list(ticket.handoffs.order_by("id").values_list("kind", flat=True))


def deliver_outbox():
    """Send what the actions queued, the way the periodic drain does."""
    return drain(now=timezone.now() + timedelta(hours=1), retry_after=timedelta(0))


def passed_to_tier_2(org):
    ticket = open_ticket(org.ana)
    return actions.do_pass_up(ticket, by=org.ana, note="Restarted the router, no change")


# --- opening ----------------------------------------------------------------------------


def test_agent_who_logs_a_call_owns_it_at_tier_one(org):
    ticket = open_ticket(org.ana)

    assert (ticket.owner, ticket.tier, ticket.department) == (org.ana, org.t1, org.cs)
    assert ticket.status == Status.OPEN
    assert ticket.due_at == ticket.tier_entered_at + timedelta(hours=20)
    opened = ticket.handoffs.get()
    assert (opened.kind, opened.actor, opened.to_owner, opened.to_tier) == ("opened", org.ana, org.ana, org.t1)


def test_ticket_logged_by_someone_outside_tier_one_waits_in_the_queue(org):
    ticket = open_ticket(org.marko)

    assert ticket.owner is None
    assert ticket.tier == org.t1


def test_ticket_can_be_opened_in_another_department(org):
    ticket = open_ticket(org.elena, department=org.sales)

    assert (ticket.department, ticket.tier, ticket.owner) == (org.sales, org.sales_t1, org.elena)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"subject": "   "}, "subject"),
        ({"subject": "x" * 201}, "subject"),
        ({"subject": "bad\x00byte"}, "subject"),
        ({"priority": "whenever"}, "priority"),
        ({"channel": "pigeon"}, "channel"),
    ],
)
def test_opening_with_bad_input_names_the_field_and_writes_nothing(org, fields, field):
    with pytest.raises(InvalidInput) as error:
        open_ticket(org.ana, **fields)

    assert error.value.field == field
    assert not Handoff.objects.exists()


def test_returning_customer_gets_a_new_ticket_linked_to_the_old_one(org):
    customer = CustomerFactory()
    first = open_ticket(org.ana, customer=customer)
    actions.do_resolve_ticket(first, by=org.ana, resolution="Sent a replacement")

    second = open_ticket(org.ana, customer=customer, previous_ticket=first)

    assert second.previous_ticket == first
    assert second.pk != first.pk


def test_call_resolved_on_the_spot_is_opened_and_resolved_together(org):
    ticket = actions.do_open_and_resolve_ticket(
        by=org.ana, subject="Where is my parcel?", customer=CustomerFactory(), resolution="Gave tracking number"
    )

    assert ticket.status == Status.RESOLVED
    assert ticket.resolved_on_first_call
    assert kinds(ticket) == ["opened", "resolved"]


def test_only_a_front_line_member_resolves_a_call_on_the_spot(org):
    with pytest.raises(NotAllowed):
        actions.do_open_and_resolve_ticket(
            by=org.marko, subject="Parcel", customer=CustomerFactory(), resolution="Told them"
        )

    assert not Handoff.objects.exists()


# --- claim ------------------------------------------------------------------------------


def test_member_of_the_tier_claims_an_unowned_ticket(org):
    ticket = passed_to_tier_2(org)

    actions.do_claim_ticket(ticket, by=org.marko)

    ticket.refresh_from_db()
    assert ticket.owner == org.marko
    assert kinds(ticket) == ["opened", "passed", "claimed"]
    claimed = ticket.handoffs.last()
    assert (claimed.from_owner, claimed.to_owner, claimed.actor) == (None, org.marko, org.marko)


def test_claim_of_an_owned_ticket_says_who_has_it(org):
    ticket = passed_to_tier_2(org)
    actions.do_claim_ticket(ticket, by=org.marko)

    with pytest.raises(AlreadyClaimed, match="Already claimed by Marko"):
        actions.do_claim_ticket(ticket, by=org.ioana)

    assert kinds(ticket).count("claimed") == 1


def test_claiming_your_own_ticket_again_is_a_conflict(org):
    ticket = passed_to_tier_2(org)
    actions.do_claim_ticket(ticket, by=org.marko)

    with pytest.raises(Conflict):
        actions.do_claim_ticket(ticket, by=org.marko)


def test_members_of_other_tiers_cannot_claim(org):
    ticket = passed_to_tier_2(org)

    for stranger in (org.ana, org.priya, org.elena, org.outsider):
        with pytest.raises(NotAllowed):
            actions.do_claim_ticket(ticket, by=stranger)

    assert kinds(ticket) == ["opened", "passed"]


def test_manager_may_claim_anywhere(org):
    ticket = passed_to_tier_2(org)

    actions.do_claim_ticket(ticket, by=org.andrei)

    ticket.refresh_from_db()
    assert ticket.owner == org.andrei


# --- release ----------------------------------------------------------------------------


def test_owner_releases_a_ticket_back_to_the_queue_and_the_clock_keeps_running(org):
    ticket = passed_to_tier_2(org)
    actions.do_claim_ticket(ticket, by=org.marko)
    due = ticket.due_at

    actions.do_release_ticket(ticket, by=org.marko, note="Off sick this afternoon")

    ticket.refresh_from_db()
    assert ticket.owner is None
    assert ticket.due_at == due
    released = ticket.handoffs.last()
    assert (released.kind, released.from_owner, released.to_owner) == ("released", org.marko, None)


def test_lead_may_release_a_members_ticket_but_a_colleague_may_not(org):
    ticket = passed_to_tier_2(org)
    actions.do_claim_ticket(ticket, by=org.marko)

    with pytest.raises(NotAllowed):
        actions.do_release_ticket(ticket, by=org.ana)
    actions.do_release_ticket(ticket, by=org.ioana)

    assert kinds(ticket)[-1] == "released"


def test_releasing_an_unowned_ticket_is_a_conflict(org):
    with pytest.raises(Conflict):
        actions.do_release_ticket(passed_to_tier_2(org), by=org.ioana)


# --- assign -----------------------------------------------------------------------------


def test_lead_assigns_and_the_assignee_is_emailed_after_commit(org, django_capture_on_commit_callbacks):
    ticket = passed_to_tier_2(org)
    OutboundEmail.objects.all().delete()

    with django_capture_on_commit_callbacks() as callbacks:
        actions.do_assign_ticket(ticket, by=org.ioana, to=org.marko)
        assert OutboundEmail.objects.filter(kind="assigned").count() == 1
    assert len(callbacks) == 1  # delivery is handed over only once the transaction commits

    deliver_outbox()
    assert [m.to for m in mail.outbox if "assigned to you" in m.subject] == [[org.marko.email]]
    ticket.refresh_from_db()
    assert ticket.owner == org.marko
    assigned = ticket.handoffs.last()
    assert (assigned.kind, assigned.actor, assigned.to_owner) == ("assigned", org.ioana, org.marko)


def test_lead_can_reassign_an_owned_ticket(org):
    ticket = passed_to_tier_2(org)
    actions.do_claim_ticket(ticket, by=org.marko)

    actions.do_assign_ticket(ticket, by=org.ioana, to=org.ioana)

    last = ticket.handoffs.last()
    assert (last.from_owner, last.to_owner) == (org.marko, org.ioana)


def test_only_leads_assign(org):
    ticket = passed_to_tier_2(org)

    with pytest.raises(NotAllowed):
        actions.do_assign_ticket(ticket, by=org.marko, to=org.marko)
    with pytest.raises(NotAllowed):
        actions.do_assign_ticket(ticket, by=org.priya, to=org.marko)  # a lead, but of another tier


def test_assignee_must_sit_at_the_tickets_tier(org):
    ticket = passed_to_tier_2(org)

    with pytest.raises(InvalidInput) as error:
        actions.do_assign_ticket(ticket, by=org.ioana, to=org.ana)

    assert error.value.field == "to"
    assert kinds(ticket) == ["opened", "passed"]


def test_assigning_to_the_current_owner_is_a_conflict(org):
    ticket = passed_to_tier_2(org)
    actions.do_assign_ticket(ticket, by=org.ioana, to=org.marko)

    with pytest.raises(Conflict):
        actions.do_assign_ticket(ticket, by=org.ioana, to=org.marko)


# --- pass up ----------------------------------------------------------------------------


def test_pass_up_moves_the_ticket_unowned_to_the_next_tier_and_restarts_the_clock(org, django_capture_on_commit_callbacks):
    ticket = open_ticket(org.ana, now=timezone.now() - timedelta(hours=5))
    org.t2.resolve_within = timedelta(hours=8)
    org.t2.save()
    OutboundEmail.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        actions.do_pass_up(ticket, by=org.ana, note="Checked the order; the courier lost it")

    ticket.refresh_from_db()
    assert (ticket.tier, ticket.owner) == (org.t2, None)
    assert ticket.due_at == ticket.tier_entered_at + timedelta(hours=8)
    passed = ticket.handoffs.last()
    assert (passed.kind, passed.from_owner, passed.from_tier, passed.to_tier) == ("passed", org.ana, org.t1, org.t2)
    assert passed.note == "Checked the order; the courier lost it"
    deliver_outbox()
    assert any(org.ioana.email in m.to for m in mail.outbox)


def test_pass_up_requires_a_note_of_what_was_tried(org):
    ticket = open_ticket(org.ana)

    with pytest.raises(InvalidInput) as error:
        actions.do_pass_up(ticket, by=org.ana, note="   ")

    assert error.value.field == "note"
    assert kinds(ticket) == ["opened"]


def test_only_the_owner_passes_up(org):
    ticket = open_ticket(org.ana)

    with pytest.raises(NotAllowed):
        actions.do_pass_up(ticket, by=org.ravi, note="Not mine")


def test_passing_up_from_the_top_tier_is_refused(org):
    ticket = passed_to_tier_2(org)
    actions.do_claim_ticket(ticket, by=org.marko)
    actions.do_pass_up(ticket, by=org.marko, note="Needs an expert")
    actions.do_claim_ticket(ticket, by=org.priya)

    with pytest.raises(Conflict, match="top tier"):
        actions.do_pass_up(ticket, by=org.priya, note="No idea")

    assert kinds(ticket)[-1] == "claimed"


# --- transfer ---------------------------------------------------------------------------


def test_transfer_moves_the_ticket_to_the_first_tier_of_another_department(org):
    ticket = open_ticket(org.ana)

    actions.do_transfer_ticket(ticket, by=org.ana, department=org.sales, note="A pricing question")

    ticket.refresh_from_db()
    assert (ticket.department, ticket.tier, ticket.owner) == (org.sales, org.sales_t1, None)
    transferred = ticket.handoffs.last()
    assert (transferred.kind, transferred.from_department, transferred.to_department) == (
        "transferred", org.cs, org.sales,
    )


def test_transfer_needs_a_reason_and_a_different_department(org):
    ticket = open_ticket(org.ana)

    with pytest.raises(InvalidInput) as no_reason:
        actions.do_transfer_ticket(ticket, by=org.ana, department=org.sales, note="")
    with pytest.raises(InvalidInput) as same_place:
        actions.do_transfer_ticket(ticket, by=org.ana, department=org.cs, note="Back to us")

    assert (no_reason.value.field, same_place.value.field) == ("note", "department")
    assert kinds(ticket) == ["opened"]


def test_only_the_owner_transfers(org):
    with pytest.raises(NotAllowed):
        actions.do_transfer_ticket(open_ticket(org.ana), by=org.ioana, department=org.sales, note="Theirs")


# --- resolve ----------------------------------------------------------------------------


def test_owner_resolves_with_a_resolution(org):
    ticket = open_ticket(org.ana)

    actions.do_resolve_ticket(ticket, by=org.ana, resolution="Refunded the delivery fee")

    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolved_by, ticket.resolution) == ("resolved", org.ana, "Refunded the delivery fee")
    assert ticket.resolved_at is not None
    assert kinds(ticket) == ["opened", "resolved"]


def test_resolution_is_required(org):
    with pytest.raises(InvalidInput) as error:
        actions.do_resolve_ticket(open_ticket(org.ana), by=org.ana, resolution="")

    assert error.value.field == "resolution"


def test_only_the_owner_or_a_manager_resolves(org):
    ticket = open_ticket(org.ana)

    with pytest.raises(NotAllowed):
        actions.do_resolve_ticket(ticket, by=org.ravi, resolution="Done")
    actions.do_resolve_ticket(ticket, by=org.andrei, resolution="Done by the manager")

    assert kinds(ticket) == ["opened", "resolved"]


def test_a_resolved_ticket_never_changes_again(org):
    ticket = open_ticket(org.ana)
    actions.do_resolve_ticket(ticket, by=org.ana, resolution="Done")

    moves = [
        lambda: actions.do_claim_ticket(ticket, by=org.ravi),
        lambda: actions.do_release_ticket(ticket, by=org.ana),
        lambda: actions.do_assign_ticket(ticket, by=org.andrei, to=org.ravi),
        lambda: actions.do_pass_up(ticket, by=org.ana, note="More"),
        lambda: actions.do_transfer_ticket(ticket, by=org.ana, department=org.sales, note="More"),
        lambda: actions.do_resolve_ticket(ticket, by=org.ana, resolution="Again"),
        lambda: actions.do_add_note(ticket, by=org.ana, body="After the fact"),
    ]
    for move in moves:
        with pytest.raises(TicketResolved):
            move()

    assert kinds(ticket) == ["opened", "resolved"]
    assert not Note.objects.exists()


# --- notes ------------------------------------------------------------------------------


def test_notes_do_not_move_the_ticket_or_its_clock(org):
    ticket = passed_to_tier_2(org)
    before = (ticket.owner_id, ticket.tier_id, ticket.due_at)

    note = actions.do_add_note(ticket, by=org.ioana, body="Customer called again", internal=False)

    ticket.refresh_from_db()
    assert (ticket.owner_id, ticket.tier_id, ticket.due_at) == before
    assert (note.author, note.internal) == (org.ioana, False)
    assert kinds(ticket) == ["opened", "passed"]


def test_empty_note_is_refused(org):
    with pytest.raises(InvalidInput) as error:
        actions.do_add_note(open_ticket(org.ana), by=org.ana, body=" ")

    assert error.value.field == "body"


# --- one handoff per change ------------------------------------------------------------


def test_every_change_writes_exactly_one_handoff(org):
    ticket = open_ticket(org.ana)
    counts = [ticket.handoffs.count()]
    steps = [
        lambda: actions.do_release_ticket(ticket, by=org.ana),
        lambda: actions.do_claim_ticket(ticket, by=org.ravi),
        lambda: actions.do_pass_up(ticket, by=org.ravi, note="Tried the usual"),
        lambda: actions.do_assign_ticket(ticket, by=org.ioana, to=org.marko),
        lambda: actions.do_transfer_ticket(ticket, by=org.marko, department=org.sales, note="Sales owns this"),
        lambda: actions.do_claim_ticket(ticket, by=org.elena),
        lambda: actions.do_resolve_ticket(ticket, by=org.elena, resolution="Offered a discount"),
    ]
    for step in steps:
        step()
        counts.append(ticket.handoffs.count())

    assert counts == list(range(1, len(steps) + 2))

