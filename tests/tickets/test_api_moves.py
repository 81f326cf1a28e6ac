"""The moves through the REST API: each one's success and every status it can answer with."""

from rest_framework.test import APIClient

from tests.factories import open_ticket
from tests.tickets.api_helpers import at_tier_two, client_for, kinds, url
from tickets import actions
from tickets.models import Handoff

# --- claim -----------------------------------------------------------------------------


def test_a_tier_member_claims_an_unowned_ticket(org):
    ticket = at_tier_two(org)

    response = client_for(org.marko).post(url(ticket, "claim"))

    assert response.status_code == 200, response.data
    assert response.json()["owner"] == "marko"
    assert response.json()["reference"] == ticket.reference
    assert kinds(ticket) == ["opened", "passed", "claimed"]


def test_a_claim_someone_else_won_is_a_409_naming_them(org):
    ticket = at_tier_two(org)
    actions.do_claim_ticket(ticket, by=org.marko)

    response = client_for(org.ioana).post(url(ticket, "claim"), {}, format="json")

    assert response.status_code == 409
    assert response.json() == {"detail": "Already claimed by Marko.", "code": "already_claimed"}
    assert kinds(ticket).count("claimed") == 1


def test_claiming_a_ticket_of_another_tier_is_a_403(org):
    ticket = at_tier_two(org)

    response = client_for(org.ravi).post(url(ticket, "claim"))

    assert response.status_code == 403
    assert response.json()["code"] == "not_allowed"
    assert kinds(ticket) == ["opened", "passed"]


def test_claiming_a_resolved_ticket_is_a_409(org):
    ticket = at_tier_two(org)
    actions.do_claim_ticket(ticket, by=org.marko)
    actions.do_resolve_ticket(ticket, by=org.marko, resolution="Replaced the part")

    response = client_for(org.ioana).post(url(ticket, "claim"))

    assert response.status_code == 409
    assert response.json()["code"] == "resolved"


def test_claiming_a_ticket_out_of_sight_is_the_same_404_as_a_missing_one(org):
    hidden = open_ticket(org.elena, department=org.sales)
    client = client_for(org.marko)

    invisible = client.post(url(hidden, "claim"))
    missing = client.post("/api/v1/tickets/T-999999/claim/")
    malformed = client.post("/api/v1/tickets/x'; drop table/claim/")

    assert invisible.status_code == missing.status_code == malformed.status_code == 404
    assert (
        invisible.json()
        == missing.json()
        == malformed.json()
        == {
            "detail": "No such ticket.",
            "code": "not_found",
        }
    )


def test_moves_need_authentication(org):
    ticket = at_tier_two(org)

    for move in ("claim", "release", "assign", "pass", "transfer", "resolve", "notes"):
        response = APIClient().post(url(ticket, move), {}, format="json")
        assert response.status_code == 401
    wrong_token = APIClient()
    wrong_token.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert wrong_token.post(url(ticket, "claim")).status_code == 401
    assert kinds(ticket) == ["opened", "passed"]


def test_moves_answer_only_post(org):
    ticket = at_tier_two(org)

    response = client_for(org.marko).get(url(ticket, "claim"))

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


# --- release ---------------------------------------------------------------------------


def test_the_owner_releases_a_ticket_with_a_note(org):
    ticket = open_ticket(org.ana)

    response = client_for(org.ana).post(
        url(ticket, "release"), {"note": "Going home"}, format="json"
    )

    assert response.status_code == 200, response.data
    assert response.json()["owner"] is None
    handoff = Handoff.objects.filter(ticket=ticket).latest("id")
    assert (handoff.kind, handoff.note) == ("released", "Going home")


def test_release_needs_no_body(org):
    ticket = open_ticket(org.ana)

    assert client_for(org.ana).post(url(ticket, "release")).status_code == 200


def test_a_colleague_cannot_release_someone_elses_ticket(org):
    ticket = open_ticket(org.ana)

    response = client_for(org.ravi).post(url(ticket, "release"), {}, format="json")

    assert response.status_code == 403
    assert kinds(ticket) == ["opened"]


def test_releasing_an_unowned_ticket_is_a_409(org):
    ticket = at_tier_two(org)

    response = client_for(org.ioana).post(url(ticket, "release"), {}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


# --- assign ----------------------------------------------------------------------------


def test_a_tier_lead_assigns_a_ticket_to_a_member(org):
    ticket = at_tier_two(org)

    response = client_for(org.ioana).post(url(ticket, "assign"), {"to": "marko"}, format="json")

    assert response.status_code == 200, response.data
    assert response.json()["owner"] == "marko"
    assert kinds(ticket)[-1] == "assigned"


def test_assigning_to_an_unknown_user_is_a_400_on_to(org):
    ticket = at_tier_two(org)

    response = client_for(org.ioana).post(url(ticket, "assign"), {"to": "ghost"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"to": ['No active user is called "ghost".']}


def test_assigning_to_someone_outside_the_tier_is_a_400_on_to(org):
    ticket = at_tier_two(org)

    response = client_for(org.ioana).post(url(ticket, "assign"), {"to": "ana"}, format="json")

    assert response.status_code == 400
    assert response.json()["to"] == ["ana is not a member of Specialists."]
    assert response.json()["code"] == "invalid"
    assert kinds(ticket) == ["opened", "passed"]


def test_assigning_to_an_inactive_user_is_a_400(org):
    ticket = at_tier_two(org)
    org.marko.is_active = False
    org.marko.save(update_fields=["is_active"])

    response = client_for(org.ioana).post(url(ticket, "assign"), {"to": "marko"}, format="json")

    assert response.status_code == 400
    assert "to" in response.json()


def test_a_member_who_is_not_the_lead_cannot_assign(org):
    ticket = at_tier_two(org)

    response = client_for(org.marko).post(url(ticket, "assign"), {"to": "marko"}, format="json")

    assert response.status_code == 403


def test_assigning_to_the_current_owner_is_a_409(org):
    ticket = at_tier_two(org)
    actions.do_claim_ticket(ticket, by=org.marko)

    response = client_for(org.ioana).post(url(ticket, "assign"), {"to": "marko"}, format="json")

    assert response.status_code == 409


# --- pass up ---------------------------------------------------------------------------


def test_the_owner_passes_a_ticket_up_with_what_was_tried(org):
    ticket = open_ticket(org.ana)

    response = client_for(org.ana).post(
        url(ticket, "pass"), {"note": "Tried a reset"}, format="json"
    )

    assert response.status_code == 200, response.data
    body = response.json()
    assert (body["tier"], body["tier_name"], body["owner"]) == (2, "Specialists", None)
    handoff = Handoff.objects.filter(ticket=ticket).latest("id")
    assert (handoff.kind, handoff.note) == ("passed", "Tried a reset")


def test_passing_up_without_saying_what_was_tried_is_a_400(org):
    ticket = open_ticket(org.ana)

    for body in ({}, {"note": ""}, {"note": "   "}):
        response = client_for(org.ana).post(url(ticket, "pass"), body, format="json")
        assert response.status_code == 400
        assert "note" in response.json()
    assert kinds(ticket) == ["opened"]


def test_passing_up_from_the_top_tier_is_a_409(org):
    ticket = at_tier_two(org)
    actions.do_claim_ticket(ticket, by=org.marko)
    actions.do_pass_up(ticket, by=org.marko, note="Tried the logs")
    actions.do_claim_ticket(ticket, by=org.priya)

    response = client_for(org.priya).post(url(ticket, "pass"), {"note": "No idea"}, format="json")

    assert response.status_code == 409
    assert "top tier" in response.json()["detail"]


def test_only_the_owner_passes_a_ticket_up(org):
    ticket = open_ticket(org.ana)

    response = client_for(org.ravi).post(url(ticket, "pass"), {"note": "Mine now?"}, format="json")

    assert response.status_code == 403


# --- transfer --------------------------------------------------------------------------


def test_the_owner_transfers_a_ticket_to_another_department(org):
    ticket = open_ticket(org.ana)

    response = client_for(org.ana).post(
        url(ticket, "transfer"),
        {"department": "sales", "note": "A pricing question"},
        format="json",
    )

    assert response.status_code == 200, response.data
    body = response.json()
    assert (body["department"], body["tier"], body["owner"]) == ("sales", 1, None)
    assert kinds(ticket)[-1] == "transferred"


def test_transferring_to_an_unknown_department_is_a_400_on_department(org):
    ticket = open_ticket(org.ana)

    response = client_for(org.ana).post(
        url(ticket, "transfer"), {"department": "nowhere", "note": "?"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"department": ['No department has the slug "nowhere".']}


def test_transferring_to_the_same_department_is_a_400_on_department(org):
    ticket = open_ticket(org.ana)

    response = client_for(org.ana).post(
        url(ticket, "transfer"), {"department": "customer-service", "note": "?"}, format="json"
    )

    assert response.status_code == 400
    assert "department" in response.json()
    assert kinds(ticket) == ["opened"]
