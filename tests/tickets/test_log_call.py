"""Logging a call (``tickets.actions.log_call`` and ``tickets.checks.check_log_call``): the one
write behind the log-call screen and the API's "open a ticket"."""

import pytest

from core.errors import InvalidInput, NotAllowed
from tests.factories import CustomerFactory
from tickets import actions
from tickets.checks import check_log_call
from tickets.models import Customer, HandoffKind, Status, Ticket


def test_a_new_caller_is_created_with_the_ticket_and_the_front_line_agent_owns_it(org):
    ticket = actions.do_log_call(
        by=org.ana,
        new_customer={"name": "  Mara Pop ", "phone": " +40 721 000111 ", "email": ""},
        subject="Parcel never came",
    )

    customer = Customer.objects.get()
    assert (customer.name, customer.phone) == ("Mara Pop", "+40 721 000111")
    assert (ticket.customer_id, ticket.owner_id, ticket.tier_id) == (customer.pk, org.ana.pk, org.t1.pk)
    assert list(ticket.handoffs.values_list("kind", flat=True)) == [HandoffKind.OPENED]


def test_a_known_caller_gets_a_ticket_and_no_new_customer_row(org):
    known = CustomerFactory()

    ticket = actions.do_log_call(by=org.ana, customer=known, subject="Wrong size")

    assert ticket.customer_id == known.pk
    assert Customer.objects.count() == 1


def test_a_call_resolved_on_the_spot_is_opened_and_resolved_in_one_go(org):
    ticket = actions.do_log_call(
        by=org.ana, customer=CustomerFactory(), subject="Opening hours", resolution="Told them: 9 to 5."
    )

    assert ticket.status == Status.RESOLVED and ticket.resolved_on_first_call
    assert list(ticket.handoffs.order_by("id").values_list("kind", flat=True)) == [
        HandoffKind.OPENED,
        HandoffKind.RESOLVED,
    ]


@pytest.mark.parametrize(
    "who", [{}, {"customer": "KNOWN", "new_customer": {"name": "Both", "phone": "1"}}]
)
def test_exactly_one_of_a_known_or_a_new_caller_is_given(org, who):
    who = {k: CustomerFactory() if v == "KNOWN" else v for k, v in who.items()}
    with pytest.raises(InvalidInput) as error:
        actions.do_log_call(by=org.ana, subject="Who?", **who)
    assert error.value.field == "customer"
    assert not Ticket.objects.exists()


def test_a_new_caller_takes_only_the_customers_own_details(org):
    with pytest.raises(InvalidInput):
        actions.do_log_call(by=org.ana, new_customer={"name": "X", "phone": "1", "id": 7}, subject="s")
    assert not Customer.objects.exists()


def test_a_refused_ticket_leaves_no_new_caller_behind(org):
    with pytest.raises(InvalidInput):
        actions.do_log_call(by=org.ana, new_customer={"name": "Mara", "phone": "1"}, subject="  ")
    assert not Customer.objects.exists() and not Ticket.objects.exists()


def test_only_the_front_line_or_a_manager_resolves_a_call_on_the_spot(org):
    call = {"new_customer": {"name": "Mara", "phone": "1"}, "subject": "s", "resolution": "Done."}

    with pytest.raises(NotAllowed):
        check_log_call(org.marko, **call)
    assert not Customer.objects.exists() and not Ticket.objects.exists()

    assert check_log_call(org.andrei, **call).status == Status.RESOLVED
    assert check_log_call(org.ana, **call).status == Status.RESOLVED
