"""POST /api/v1/tickets/{reference}/pause/ and .../resume/, and the customer's answer as a note."""

import pytest
from rest_framework.test import APIClient

from tests.factories import open_ticket
from tests.tickets.api_helpers import client_for, kinds, url
from tickets import actions

pytestmark = pytest.mark.django_db

REASON = "Asked for the serial number."


def test_the_owner_pauses_and_the_ticket_shows_its_pause(org):
    ticket = open_ticket(org.ana)

    response = client_for(org.ana).post(url(ticket, "pause"), {"reason": REASON}, format="json")

    assert response.status_code == 200, response.data
    body = response.json()
    assert body["paused_at"] is not None
    assert body["pause_reason"] == REASON
    assert 19 * 3600 < body["pause_time_left_seconds"] <= 20 * 3600
    assert "resume" in body["allowed_moves"] and "pause" not in body["allowed_moves"]
    assert "resolve" not in body["allowed_moves"]
    assert kinds(ticket) == ["opened", "paused"]

    handoffs = client_for(org.ana).get(url(ticket, "handoffs")).json()
    entries = handoffs["results"] if isinstance(handoffs, dict) else handoffs
    assert entries[-1]["kind"] == "paused"
    assert entries[-1]["time_left"] == body["pause_time_left_seconds"]


def test_a_running_ticket_shows_no_pause(org):
    ticket = open_ticket(org.ana)
    body = client_for(org.ana).get(f"/api/v1/tickets/{ticket.reference}/").json()
    assert (body["paused_at"], body["pause_reason"], body["pause_time_left_seconds"]) == (None, "", None)


def test_a_pause_without_a_reason_is_a_400_naming_reason(org):
    ticket = open_ticket(org.ana)
    for body in ({}, {"reason": ""}, {"reason": "   "}):
        response = client_for(org.ana).post(url(ticket, "pause"), body, format="json")
        assert response.status_code == 400, body
        assert "reason" in response.json()
    assert kinds(ticket) == ["opened"]


def test_someone_who_does_not_own_it_is_refused_with_403_whatever_the_body(org):
    ticket = open_ticket(org.ana)
    for body in ({"reason": REASON}, {}):
        response = client_for(org.ravi).post(url(ticket, "pause"), body, format="json")
        assert response.status_code == 403
        assert response.json()["code"] == "not_allowed"
    actions.do_pause_ticket(ticket, by=org.ana, reason=REASON)
    response = client_for(org.ravi).post(url(ticket, "resume"), {}, format="json")
    assert response.status_code == 403
    assert kinds(ticket) == ["opened", "paused"]


def test_pausing_twice_is_a_409_paused_and_resuming_a_running_ticket_a_409_not_paused(org):
    ticket = open_ticket(org.ana)
    client = client_for(org.ana)
    assert client.post(url(ticket, "pause"), {"reason": REASON}, format="json").status_code == 200

    again = client.post(url(ticket, "pause"), {"reason": REASON}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "paused"
    # The other moves wait for the pause to end.
    resolve = client.post(url(ticket, "resolve"), {"resolution": "Done"}, format="json")
    assert resolve.status_code == 409 and resolve.json()["code"] == "paused"

    resumed = client.post(url(ticket, "resume"), {"note": "They called"}, format="json")
    assert resumed.status_code == 200
    assert resumed.json()["paused_at"] is None
    not_paused = client.post(url(ticket, "resume"), {}, format="json")
    assert not_paused.status_code == 409 and not_paused.json()["code"] == "not_paused"
    assert kinds(ticket) == ["opened", "paused", "resumed"]


def test_a_resolved_ticket_cannot_be_paused_or_resumed(org):
    ticket = open_ticket(org.ana)
    actions.do_resolve_ticket(ticket, by=org.ana, resolution="Done")
    for move, body in (("pause", {"reason": REASON}), ("resume", {})):
        response = client_for(org.ana).post(url(ticket, move), body, format="json")
        assert response.status_code == 409 and response.json()["code"] == "resolved"


def test_the_customers_answer_posted_as_a_note_resumes(org):
    ticket = open_ticket(org.ana)
    actions.do_pause_ticket(ticket, by=org.ana, reason=REASON)

    response = client_for(org.ravi).post(
        url(ticket, "notes"), {"body": "SN 123-45", "customer_answer": True}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["is_customer_answer"] is True
    assert kinds(ticket) == ["opened", "paused", "resumed"]


def test_anonymous_callers_and_strangers_get_401_and_404(org):
    ticket = open_ticket(org.ana)
    assert APIClient().post(url(ticket, "pause"), {"reason": REASON}, format="json").status_code == 401
    assert client_for(org.elena).post(url(ticket, "pause"), {"reason": REASON}, format="json").status_code == 404


def test_the_schema_documents_both_moves():
    paths = APIClient().get("/api/schema/", {"format": "json"}).json()["paths"]
    for move in ("pause", "resume"):
        responses = paths[f"/api/v1/tickets/{{reference}}/{move}/"]["post"]["responses"]
        assert {"200", "400", "401", "403", "404", "409"} <= set(responses), move
