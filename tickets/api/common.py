"""Steps every ticket endpoint shares: reading the body and answering with a ticket."""

from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from tickets.api.serializers import TicketOutput
from tickets.models import Ticket
from tickets.queries import TICKET_LIST_RELATED


def validated(input_class: type[serializers.Serializer], request: Request) -> dict:
    """Return the request body checked by ``input_class``; a 400 naming the fields otherwise.

    Reading ``request.data`` also turns malformed JSON into a 400, even for moves that
    take no input.
    """
    serializer = input_class(data=request.data, context={"request": request})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def ticket_response(
    request: Request, ticket: Ticket, *, status_code: int = status.HTTP_200_OK
) -> Response:
    """Answer with the ticket as it is now, read again with everything the JSON shows.

    The action returns the row it locked, without the customer, category and resolver:
    one query here instead of one per missing relation.
    """
    fresh = Ticket.objects.select_related(*TICKET_LIST_RELATED).get(pk=ticket.pk)
    return Response(TicketOutput(fresh, context={"request": request}).data, status=status_code)
