"""The API's ticket answer, written out field by field, says exactly what DRF's walk says."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from tests.factories import CategoryFactory, CustomerFactory, office_hours, open_ticket
from tickets import actions
from tickets.api.serializers import TicketOutput
from tickets.models import Ticket
from tickets.queries import TICKET_LIST_RELATED


def both_ways(ticket: Ticket, user, later: timedelta = timedelta(0)) -> tuple[dict, dict]:
    request = APIRequestFactory().get("/api/v1/tickets/")
    request.user = user
    ticket = Ticket.objects.select_related(*TICKET_LIST_RELATED).get(pk=ticket.pk)
    with time_machine.travel(timezone.now() + later, tick=False):  # the time left is read twice
        direct = TicketOutput(context={"request": request}).to_representation(ticket)
        walked = serializers.ModelSerializer.to_representation(TicketOutput(context={"request": request}), ticket)
    return direct, walked


@pytest.fixture
def tickets_in_every_state(org):
    owned = open_ticket(org.ana, category=CategoryFactory(), description="Line drops")
    queued = open_ticket(org.ana)
    actions.do_pass_up(queued, by=org.ana, note="Needs a specialist")
    paused = open_ticket(org.ana, customer=CustomerFactory(email=""))
    actions.do_pause_ticket(paused, by=org.ana, reason="Waiting for the invoice number")
    resolved = open_ticket(org.ana)
    actions.do_resolve_ticket(resolved, by=org.ana, resolution="Refunded")
    follow_up = open_ticket(org.ana, previous_ticket=resolved)
    return [owned, queued, paused, resolved, follow_up]


@pytest.mark.parametrize("who", ["ana", "ioana", "andrei"])
@pytest.mark.parametrize("later", [timedelta(0), timedelta(hours=30)], ids=["in time", "overdue"])
def test_every_field_of_every_state_matches_drfs_walk(org, tickets_in_every_state, who, later):
    for ticket in tickets_in_every_state:
        direct, walked = both_ways(ticket, getattr(org, who), later)
        assert direct == walked, ticket.reference
        assert list(direct) == list(TicketOutput.Meta.fields)


def test_a_breached_ticket_in_working_hours_matches_too(org):
    org.cs.calendar = office_hours()
    org.cs.save()
    ticket = open_ticket(org.ana)
    actions.do_pass_up(ticket, by=org.ana, note="Specialist needed")
    Ticket.objects.filter(pk=ticket.pk).update(breached=True, breached_at=ticket.due_at)
    direct, walked = both_ways(ticket, org.ioana)
    assert direct == walked
    assert direct["breached"] is True and direct["breached_at"].endswith("Z")
