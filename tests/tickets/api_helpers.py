"""What the API tests of tickets share: a client with a user's token, addresses, shapes."""

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import open_ticket
from tickets import actions
from tickets.models import Handoff

TICKETS = "/api/v1/tickets/"


def client_for(user) -> APIClient:
    """A client sending the user's token, so each request loads the user afresh (as in production)."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def new_customer(**overrides) -> dict:
    return {
        "name": "Maria Pop",
        "phone": "+40 721 000 111",
        "email": "maria@example.net",
        **overrides,
    }


def url(ticket, move: str) -> str:
    return f"/api/v1/tickets/{ticket.reference}/{move}/"


def at_tier_two(org):
    """An unowned ticket waiting in the specialists' queue."""
    ticket = open_ticket(org.ana)
    actions.do_pass_up(ticket, by=org.ana, note="Tried a reset")
    return ticket


def kinds(ticket) -> list[str]:
    return list(
        Handoff.objects.filter(ticket=ticket).order_by("at", "id").values_list("kind", flat=True)
    )
