"""Tickets: the list, opening one, one ticket and its handoff trail."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.schema import REFERENCE_PARAMETER, error_responses
from tickets.api.common import ticket_response, validated
from tickets.api.filters import TicketFilter
from tickets.api.inputs import TicketCreateInput
from tickets.api.pagination import TicketCursorPagination
from tickets.api.serializers import HandoffOutput, TicketOutput
from tickets.checks import check_log_call
from tickets.models import Customer, Ticket
from tickets.queries import access_ticket, handoffs_of, ticket_list, with_names


def open_ticket_from_input(user, data: dict) -> Ticket:
    """Log the call the body describes: ``customer`` is a Customer or a new one's details."""
    customer = data["customer"]
    known = isinstance(customer, Customer)
    return check_log_call(
        user,
        customer=customer if known else None,
        new_customer=None if known else customer,
        subject=data["subject"],
        description=data["description"],
        department=data.get("department"),
        category=data.get("category"),
        priority=data["priority"],
        channel=data["channel"],
        previous_ticket=data.get("previous_ticket"),
    )


class TicketsApi(generics.ListAPIView):
    """The tickets the user may read, newest first (or most urgent first), and opening a new one."""

    serializer_class = TicketOutput
    filterset_class = TicketFilter
    pagination_class = TicketCursorPagination

    def get_queryset(self):
        return ticket_list(self.request.user)  # the pagination orders it

    @extend_schema(
        operation_id="tickets_list",
        summary="List the tickets you may read",
        description="50 at a time, newest first (`order=newest`) or closest to escalation "
        "first (`order=due`). Follow `next` for the page after; a page deep in the list costs "
        "what the first one does. There is no total: counting every ticket you may read would "
        "cost more than the page.",
        responses={200: TicketOutput(many=True), **error_responses(400, 401)},
    )
    def get(self, request: Request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="tickets_create",
        summary="Open a ticket",
        description="Logs a new ticket at the first tier of a department (the front line when no "
        "department is given). `customer` is an existing customer's id or a new "
        "customer's details; a new customer is created only if the ticket is opened. "
        "Whoever sits at that tier owns the new ticket; otherwise it waits in the queue.",
        request=TicketCreateInput,
        responses={201: TicketOutput, **error_responses(400, 401)},
    )
    def post(self, request: Request, *args, **kwargs):
        data = validated(TicketCreateInput, request)
        ticket = open_ticket_from_input(request.user, data)
        return ticket_response(request, ticket, status_code=status.HTTP_201_CREATED)


class TicketApi(APIView):
    @extend_schema(
        operation_id="tickets_retrieve",
        summary="Read one ticket",
        parameters=[REFERENCE_PARAMETER],
        responses={200: TicketOutput, **error_responses(401, 404)},
    )
    def get(self, request: Request, reference: str):
        ticket = access_ticket(request.user, reference)
        return Response(TicketOutput(ticket, context={"request": request}).data)


class TicketHandoffsApi(APIView):
    """Every change of owner, tier, department or status, oldest first."""

    pagination_class = None

    @extend_schema(
        operation_id="tickets_handoffs_list",
        summary="The ticket's handoff trail",
        parameters=[REFERENCE_PARAMETER],
        responses={200: HandoffOutput(many=True), **error_responses(401, 404)},
    )
    def get(self, request: Request, reference: str):
        ticket = access_ticket(request.user, reference, related=())
        return Response(HandoffOutput(with_names(handoffs_of(ticket)), many=True).data)
