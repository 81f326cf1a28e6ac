"""The API's last moves: resolving, notes, and malformed bodies that never move a ticket."""

import pytest

from tests.factories import MembershipFactory, UserFactory, open_ticket
from tests.tickets.api_helpers import at_tier_two, client_for, kinds, url
from tickets import actions
from tickets.models import Handoff, Note

# --- resolve ---------------------------------------------------------------------------


def test_the_owner_resolves_a_ticket(org):
    ticket = open_ticket(org.ana)

    response = client_for(org.ana).post(
        url(ticket, "resolve"), {"resolution": "Sent a new kettle"}, format="json"
    )

    assert response.status_code == 200, response.data
    body = response.json()
    assert body["status"] == "resolved"
    assert body["resolution"] == "Sent a new kettle"
    assert body["resolved_by"] == "ana"
    assert body["resolved_at"] is not None
    assert body["allowed_moves"] == []
    assert kinds(ticket)[-1] == "resolved"


def test_a_manager_may_resolve_a_ticket_they_do_not_own(org):
    ticket = open_ticket(org.ana)

    response = client_for(org.andrei).post(
        url(ticket, "resolve"), {"resolution": "Done"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["resolved_by"] == "andrei"


def test_resolving_twice_is_a_409_and_the_ticket_never_changes(org):
    ticket = open_ticket(org.ana)
    client = client_for(org.ana)
    client.post(url(ticket, "resolve"), {"resolution": "Done"}, format="json")

    response = client.post(url(ticket, "resolve"), {"resolution": "Done again"}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "resolved"
    ticket.refresh_from_db()
    assert ticket.resolution == "Done"


def test_a_colleague_cannot_resolve_someone_elses_ticket(org):
    ticket = open_ticket(org.ana)

    response = client_for(org.ravi).post(
        url(ticket, "resolve"), {"resolution": "Done"}, format="json"
    )

    assert response.status_code == 403
    assert kinds(ticket) == ["opened"]


# --- notes -----------------------------------------------------------------------------


def test_anyone_who_reads_a_ticket_adds_a_note_without_moving_it(org):
    ticket = open_ticket(org.ana)

    response = client_for(org.ravi).post(
        url(ticket, "notes"), {"body": "Customer called again", "internal": False}, format="json"
    )

    assert response.status_code == 201, response.data
    body = response.json()
    assert body["ticket"] == ticket.reference
    assert body["author"] == "ravi"
    assert body["body"] == "Customer called again"
    assert body["internal"] is False
    assert Note.objects.get().pk == body["id"]
    assert kinds(ticket) == ["opened"]


def test_a_note_is_internal_unless_said_otherwise(org):
    ticket = open_ticket(org.ana)

    response = client_for(org.ana).post(
        url(ticket, "notes"), {"body": "Checked stock"}, format="json"
    )

    assert response.json()["internal"] is True


def test_a_note_on_a_resolved_ticket_is_a_409(org):
    ticket = open_ticket(org.ana)
    actions.do_resolve_ticket(ticket, by=org.ana, resolution="Done")

    response = client_for(org.ana).post(
        url(ticket, "notes"), {"body": "Late thought"}, format="json"
    )

    assert response.status_code == 409
    assert Note.objects.count() == 0


def test_a_note_on_a_ticket_out_of_sight_is_a_404(org):
    hidden = open_ticket(org.elena, department=org.sales)

    response = client_for(org.ana).post(url(hidden, "notes"), {"body": "Hello"}, format="json")

    assert response.status_code == 404
    assert Note.objects.count() == 0


# --- malformed bodies never move a ticket ------------------------------------------------

LONG = "x" * 20_001
MALFORMED_BODIES = {
    "claim": ["{", "[]", "null", '"claim"', "42"],
    "release": [
        "{",
        "[]",
        "null",
        '{"note": 5}',
        '{"note": null}',
        '{"note": ["a"]}',
        f'{{"note": "{LONG}"}}',
        '{"note": "a\\u0000b"}',
    ],
    "assign": [
        "{}",
        '{"to": null}',
        '{"to": 12}',
        '{"to": {"username": "marko"}}',
        '{"to": ""}',
        '{"to": "marko\\u0000"}',
        '{"to": "' + "m" * 151 + '"}',
        '{"to": "marko", "note": 7}',
        "{",
        "[]",
        "null",
    ],
    "pass": [
        "{}",
        '{"note": ""}',
        '{"note": null}',
        '{"note": 1}',
        '{"note": true}',
        '{"note": ["x"]}',
        f'{{"note": "{LONG}"}}',
        '{"note": "tried\\u0000"}',
        "{",
        "[]",
        "null",
    ],
    "transfer": [
        "{}",
        '{"department": "sales"}',
        '{"note": "why"}',
        '{"department": null, "note": "x"}',
        '{"department": 3, "note": "x"}',
        '{"department": ["sales"], "note": "x"}',
        '{"department": "sa les", "note": "x"}',
        '{"department": "sales\\u0000", "note": "x"}',
        '{"department": "' + "s" * 61 + '", "note": "x"}',
        '{"department": "sales", "note": null}',
        "{",
        "[]",
        "null",
    ],
    "resolve": [
        "{}",
        '{"resolution": ""}',
        '{"resolution": null}',
        '{"resolution": 3}',
        '{"resolution": {"a": 1}}',
        f'{{"resolution": "{LONG}"}}',
        '{"resolution": "ok\\u0000"}',
        "{",
        "[]",
        "null",
    ],
    "notes": [
        "{}",
        '{"body": ""}',
        '{"body": null}',
        '{"body": 3}',
        '{"body": "x", "internal": "maybe"}',
        '{"body": "x", "internal": null}',
        f'{{"body": "{LONG}"}}',
        '{"body": "x\\u0000"}',
        '{"body": "\\ud800"}',
        "{",
        "[]",
        "null",
    ],
}


@pytest.mark.parametrize("move", sorted(MALFORMED_BODIES))
def test_malformed_bodies_are_4xx_and_never_write_a_handoff(org, move):
    ticket = at_tier_two(org)
    # The actor who could make the move with a good body: the lead can do all of them.
    if move in ("release", "pass", "transfer", "resolve"):
        actions.do_claim_ticket(ticket, by=org.ioana)
    client = client_for(org.ioana)
    handoffs_before = Handoff.objects.filter(ticket=ticket).count()

    for body in MALFORMED_BODIES[move]:
        response = client.post(url(ticket, move), data=body, content_type="application/json")
        assert 400 <= response.status_code < 500, (move, body, response.status_code)
        assert Handoff.objects.filter(ticket=ticket).count() == handoffs_before, (move, body)
    assert Note.objects.count() == 0


def test_extra_fields_in_a_move_are_ignored(org):
    ticket = open_ticket(org.ana)

    response = client_for(org.ana).post(
        url(ticket, "pass"), {"note": "Tried", "tier": 3, "owner": "priya"}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["tier"], response.json()["owner"]) == (2, None)


def test_a_new_member_of_the_tier_can_claim_at_once(org):
    ticket = at_tier_two(org)
    newcomer = UserFactory(username="newcomer")
    MembershipFactory(user=newcomer, tier=org.t2)

    assert client_for(newcomer).post(url(ticket, "claim")).status_code == 200
