"""Referrals through the REST API: asking, listing, claiming and answering, with every status
each can answer with, and the schema documenting them."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from departments.models import Department
from referrals.actions import do_answer_referral, do_claim_referral, do_refer_ticket
from referrals.models import Referral
from tests.factories import MembershipFactory, TierFactory, UserFactory, open_ticket
from tickets import actions

pytestmark = pytest.mark.django_db
QUESTION = "Which items are out of stock?"


@pytest.fixture
def intake(org):
    department = Department.objects.create(slug="order-intake", name="Order intake")
    desk = TierFactory(department=department, level=1, name="Order desk")
    vikram = UserFactory(username="vikram")
    MembershipFactory(user=vikram, tier=desk, is_lead=True)
    olga = UserFactory(username="olga")
    MembershipFactory(user=olga, tier=desk)
    return department, vikram, olga


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def ask(org, intake, *, now=None):
    ticket = open_ticket(org.ana, now=now)
    return do_refer_ticket(ticket, by=org.ana, department=intake[0], question=QUESTION, now=now)


def test_the_owner_asks_a_department_and_gets_the_referral_back(org, intake):
    ticket = open_ticket(org.ana)

    response = client_for(org.ana).post(
        f"/api/v1/tickets/{ticket.reference}/referrals/",
        {"department": "order-intake", "question": QUESTION},
        format="json",
    )

    assert response.status_code == 201, response.data
    body = response.json()
    assert (body["ticket"], body["department"], body["question"], body["asked_by"]) == (
        ticket.reference,
        "order-intake",
        QUESTION,
        "ana",
    )
    assert body["is_open"] is True and body["is_overdue"] is False and body["answer"] == ""
    ticket.refresh_from_db()
    assert ticket.owner == org.ana and ticket.handoffs.count() == 1


def test_asking_with_bad_input_is_a_400_naming_the_field(org, intake):
    ticket = open_ticket(org.ana)
    api = client_for(org.ana)
    url = f"/api/v1/tickets/{ticket.reference}/referrals/"

    unknown = api.post(url, {"department": "nowhere", "question": QUESTION}, format="json")
    own = api.post(url, {"department": "customer-service", "question": QUESTION}, format="json")
    blank = api.post(url, {"department": "order-intake", "question": "  "}, format="json")
    number = api.post(url, {"department": "order-intake", "question": 5}, format="json")

    assert unknown.status_code == 400 and "department" in unknown.json()
    assert own.status_code == 400 and "department" in own.json()
    assert blank.status_code == 400 and "question" in blank.json()
    assert number.status_code == 400 and "question" in number.json()
    assert not Referral.objects.exists()


def test_only_the_owner_asks_others_get_403_and_strangers_404(org, intake):
    ticket = open_ticket(org.ana)
    url = f"/api/v1/tickets/{ticket.reference}/referrals/"
    body = {"department": "order-intake", "question": QUESTION}

    assert client_for(org.ravi).post(url, body, format="json").status_code == 403
    assert client_for(org.elena).post(url, body, format="json").status_code == 404
    assert APIClient().post(url, body, format="json").status_code == 401
    assert client_for(org.andrei).post(url, body, format="json").status_code == 201


def test_asking_about_a_resolved_ticket_is_a_409(org, intake):
    ticket = actions.do_resolve_ticket(open_ticket(org.ana), by=org.ana, resolution="Done.")
    response = client_for(org.ana).post(
        f"/api/v1/tickets/{ticket.reference}/referrals/",
        {"department": "order-intake", "question": QUESTION},
        format="json",
    )
    assert response.status_code == 409 and response.json()["code"] == "resolved"


def test_a_member_claims_then_a_colleague_is_told_who_took_it(org, intake):
    referral = ask(org, intake)
    url = f"/api/v1/referrals/{referral.pk}/claim/"

    won = client_for(intake[2]).post(url)
    lost = client_for(intake[1]).post(url, {}, format="json")

    assert won.status_code == 200 and won.json()["claimed_by"] == "olga"
    assert lost.status_code == 409
    assert lost.json() == {"detail": "Already claimed by Olga.", "code": "already_claimed"}


def test_only_members_of_the_asked_department_claim_or_answer(org, intake):
    referral = ask(org, intake)
    asker = client_for(org.ana)  # sees the referral (her ticket) but is not in order intake

    assert asker.post(f"/api/v1/referrals/{referral.pk}/claim/").status_code == 403
    assert (
        asker.post(
            f"/api/v1/referrals/{referral.pk}/answer/", {"answer": "x"}, format="json"
        ).status_code
        == 403
    )
    stranger = client_for(org.elena)
    assert stranger.post(f"/api/v1/referrals/{referral.pk}/claim/").status_code == 404
    assert stranger.get(f"/api/v1/referrals/{referral.pk}/").status_code == 404
    assert (
        client_for(org.ana).post("/api/v1/referrals/99999999999999999999/claim/").status_code == 404
    )


def test_a_member_answers_and_the_answer_is_final(org, intake):
    referral = ask(org, intake)
    api = client_for(intake[1])
    url = f"/api/v1/referrals/{referral.pk}/answer/"

    assert api.post(url, {}, format="json").status_code == 400
    first = api.post(url, {"answer": "Items 2 and 5."}, format="json")
    again = api.post(url, {"answer": "Only item 2."}, format="json")

    assert first.status_code == 200
    assert (first.json()["answer"], first.json()["answered_by"], first.json()["is_open"]) == (
        "Items 2 and 5.",
        "vikram",
        False,
    )
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    referral.refresh_from_db()
    assert referral.answer == "Items 2 and 5."


def test_a_plain_member_cannot_answer_a_question_a_colleague_took_but_the_lead_can(org, intake):
    referral = ask(org, intake)
    do_claim_referral(referral, by=intake[1])  # vikram, the lead, took it
    assert (
        client_for(intake[2])
        .post(f"/api/v1/referrals/{referral.pk}/answer/", {"answer": "Mine!"}, format="json")
        .status_code
        == 409
    )
    other = ask(org, intake)
    do_claim_referral(other, by=intake[2])  # olga took this one
    assert (
        client_for(intake[1])
        .post(f"/api/v1/referrals/{other.pk}/answer/", {"answer": "Lead answers."}, format="json")
        .status_code
        == 200
    )


def test_the_list_shows_my_departments_questions_and_those_on_tickets_i_read_with_filters(
    org, intake
):
    late = ask(org, intake, now=timezone.now() - timedelta(hours=5))
    fresh = ask(org, intake)
    done = ask(org, intake)
    do_answer_referral(done, by=intake[1], answer="Done.")

    def ids(user, **params):
        response = client_for(user).get("/api/v1/referrals/", params)
        assert response.status_code == 200, response.data
        return [r["id"] for r in response.json()["results"]]

    assert ids(intake[2]) == [late.pk, fresh.pk, done.pk]
    assert ids(org.ravi) == [late.pk, fresh.pk, done.pk]  # customer service reads the tickets
    assert ids(org.elena) == []
    assert ids(intake[2], open="true") == [late.pk, fresh.pk]
    assert ids(intake[2], open="false") == [done.pk]
    assert ids(intake[2], overdue="true") == [late.pk]
    assert ids(intake[2], overdue="false") == [fresh.pk, done.pk]
    assert ids(intake[2], department="sales") == []
    late_json = (
        client_for(intake[2]).get("/api/v1/referrals/", {"overdue": "true"}).json()["results"][0]
    )
    assert late_json["is_overdue"] is True
    assert client_for(intake[2]).get("/api/v1/referrals/", {"open": "maybe"}).status_code == 400


def test_the_list_costs_the_same_number_of_queries_for_3_and_30_referrals(org, intake):
    api = client_for(intake[2])
    counts = []
    for n in (3, 30):
        while Referral.objects.count() < n:
            ask(org, intake)
        with CaptureQueriesContext(connection) as queries:
            response = api.get("/api/v1/referrals/")
        assert response.status_code == 200 and response.json()["count"] == n
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_tickets_referrals_are_listed_under_the_ticket(org, intake):
    referral = ask(org, intake)
    response = client_for(org.ana).get(f"/api/v1/tickets/{referral.ticket.reference}/referrals/")
    assert response.status_code == 200 and [r["id"] for r in response.json()] == [referral.pk]


def test_the_schema_documents_the_referral_endpoints_and_their_errors_without_warnings(
    tmp_path, settings
):
    target = tmp_path / "schema.yaml"

    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--urlconf",
        settings.ROOT_URLCONF,
        "--file",
        str(target),
    )

    text = target.read_text()
    for path in (
        "/api/v1/tickets/{reference}/referrals/:",
        "/api/v1/referrals/:",
        "/api/v1/referrals/{referral_id}/claim/:",
        "/api/v1/referrals/{referral_id}/answer/:",
    ):
        assert path in text, path
    schema = APIClient().get("/api/schema/", {"format": "json"})
    if schema.status_code == 200 and "/api/v1/referrals/" in schema.json()["paths"]:
        answer = schema.json()["paths"]["/api/v1/referrals/{referral_id}/answer/"]["post"][
            "responses"
        ]
        assert {"200", "400", "401", "403", "404", "409"} <= set(answer)


@pytest.mark.parametrize("raw_id", ["null", "ud_", "-1", "1.5", str(2**63)])
@pytest.mark.parametrize("action", ["", "claim/", "answer/"])
def test_a_malformed_referral_id_is_the_same_json_404_as_a_missing_one(org, intake, raw_id, action):
    # Found by schemathesis (tests/test_api_fuzz.py): <int:referral_id> in the URL pattern
    # sent "null" to Django's HTML 404 page instead of the API's JSON answer.
    api = client_for(intake[1])
    url = f"/api/v1/referrals/{raw_id}/{action}"
    response = api.post(url, {"answer": "Yes."}, format="json") if action else api.get(url)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "No such referral.", "code": "not_found"}


def test_a_page_past_the_end_of_the_referral_list_is_a_documented_json_404(org, intake):
    # Found by schemathesis: DRF's pagination answers ?page=7381 with a 404 the schema did
    # not list.
    ask(org, intake)
    response = client_for(intake[2]).get("/api/v1/referrals/", {"page": "7381"})

    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid page.", "code": "not_found"}
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()
    assert "404" in schema["paths"]["/api/v1/referrals/"]["get"]["responses"]
