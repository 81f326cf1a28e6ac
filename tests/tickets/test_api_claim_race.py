"""Eight people claiming one ticket through the API at the same instant: one wins, seven hear who did."""

import threading

import pytest
from django.db import connections
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import MembershipFactory, UserFactory, build_organisation, open_ticket
from tickets import actions
from tickets.models import Handoff, HandoffKind

ROUNDS = 10
CLAIMANTS = 8


def _claim_all_at_once(reference: str, tokens: list[str]) -> list:
    barrier = threading.Barrier(len(tokens))
    results: list = []
    lock = threading.Lock()

    def claim(token: str) -> None:
        try:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
            barrier.wait(timeout=30)
            response = client.post(f"/api/v1/tickets/{reference}/claim/")
            outcome = (response.status_code, response.json())
        except Exception as exc:  # a failed thread must show up in the assertions, not vanish
            outcome = ("error", repr(exc))
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=claim, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.timeout(120)
@pytest.mark.django_db(transaction=True)
def test_exactly_one_of_eight_simultaneous_api_claims_wins_in_every_round():
    org = build_organisation()
    members = [UserFactory(username=f"specialist{n}") for n in range(CLAIMANTS)]
    for member in members:
        MembershipFactory(user=member, tier=org.t2)
    tokens = [Token.objects.create(user=member).key for member in members]

    for round_number in range(ROUNDS):
        ticket = open_ticket(org.ana, subject=f"Race {round_number}")
        actions.do_pass_up(ticket, by=org.ana, note="For the specialists")

        results = _claim_all_at_once(ticket.reference, tokens)

        statuses = sorted((status for status, _body in results), key=str)
        assert statuses == [200] + [409] * (CLAIMANTS - 1), results
        winner = next(body for status, body in results if status == 200)["owner"]
        for status, body in results:
            if status == 409:
                assert body["code"] == "already_claimed"
                assert body["detail"].startswith("Already claimed by ")
                assert winner.capitalize() in body["detail"]
        claims = Handoff.objects.filter(ticket=ticket, kind=HandoffKind.CLAIMED)
        assert claims.count() == 1
        assert claims.get().actor.username == winner
        ticket.refresh_from_db()
        assert ticket.owner.username == winner
