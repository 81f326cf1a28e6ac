"""Fuzz every REST API operation with schemathesis: never a 500, always what the schema says.

Schemathesis reads the OpenAPI schema the app serves (drf-spectacular) and generates
requests for each operation, valid and invalid alike; every answer must be a documented
status code with the documented content type and a body matching the documented schema.

The requests run in-process against the real WSGI application and PostgreSQL (NUL bytes
and integer overflow only surface there), signed in with a token, once as a manager and
once as an agent, over a realistic organisation: tickets in several states, a referral
and a bulletin. Generated ``{reference}``, ``{referral_id}``, department slugs and
usernames are often swapped for real ones, so the moves reach their business rules
instead of stopping at a 404 or a 400.

A second test walks the API statefully: schemathesis infers links from the schema (a
ticket's ``reference`` in one answer feeds the moves, a referral's ``id`` its claim and
answer) and chains calls, so it reaches states no single request does.

Bounded and reproducible: a fixed number of examples per operation, derandomized, no
example database. Each operation is its own transactional test, so what one operation
creates is flushed before the next (tests/conftest.py lets the flush past the handoff
ledger's TRUNCATE trigger).
"""

import os
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections, transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from departments.models import Bulletin, BulletinKind
from referrals.actions import do_claim_referral, do_refer_ticket
from tests.factories import CategoryFactory, CustomerFactory, build_organisation, open_ticket
from tickets import actions
from tickets.models import Ticket

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

# Months with and without tickets, including one not over yet and an impossible one.
MONTHS = ["2026-10", "2026-11", timezone.now().strftime("%Y-%m"), "1999-01", "2026-13"]

FUZZ_SETTINGS = settings(
    # Enough to find the classes of bug a schema fuzzer finds, in ~1.5 minutes on 2 cores;
    # an exploratory run sets e.g. TIERDESK_FUZZ_EXAMPLES=200.
    max_examples=int(os.environ.get("TIERDESK_FUZZ_EXAMPLES", "50")),
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    # The organisation is built once per operation and shared by its examples on purpose:
    # a ticket claimed by one example is already claimed for the next, as in real use.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass
class World:
    """What the fuzzed requests may aim at, besides the random values schemathesis makes."""

    token: str
    references: list[str] = field(default_factory=list)
    referral_ids: list[int] = field(default_factory=list)
    customer_ids: list[int] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)
    usernames: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)


def build_world(role: str) -> World:
    """The demo pyramid with tickets in every state, a referral and a bulletin."""
    org = build_organisation()
    refund = CategoryFactory(slug="refund", name="Refund")
    regular = CustomerFactory(name="Ileana Regular")
    mine = open_ticket(org.ana, customer=regular, subject="Kettle stopped heating")
    phone_only = CustomerFactory(name="Radu Phone", email="")
    queued = open_ticket(org.andrei, customer=phone_only, subject="Waiting in the queue")
    passed = open_ticket(org.ravi, subject="Firmware question", category=refund)
    actions.do_pass_up(passed, by=org.ravi, note="Checked the firmware version, no luck")
    claimed_up = open_ticket(org.ana, subject="Refund over the limit")
    actions.do_pass_up(claimed_up, by=org.ana, note="Above my refund limit")
    actions.do_claim_ticket(claimed_up, by=org.marko)
    resolved = open_ticket(org.ana, customer=regular, subject="Wrong colour")
    actions.do_resolve_ticket(resolved, by=org.ana, resolution="Sent the right colour")
    follow_up = open_ticket(org.ravi, customer=regular, previous_ticket=resolved)
    actions.do_add_note(follow_up, by=org.ravi, body="Customer called again", internal=False)
    transferred = open_ticket(org.ravi, subject="Wants a quote for 40 kettles")
    actions.do_transfer_ticket(transferred, by=org.ravi, department=org.sales, note="A sales question")
    asked = do_refer_ticket(mine, by=org.ana, department=org.sales, question="Is it in stock?")
    answered = do_refer_ticket(
        claimed_up, by=org.marko, department=org.sales, question="Can we offer a voucher?"
    )
    do_claim_referral(answered, by=org.elena)
    Bulletin.objects.create(
        department=org.sales,
        author=org.elena,
        title="Kettle recall",
        body="Model K-200 is recalled: offer a replacement.",
        kind=BulletinKind.OTHER,
        pinned=True,
        posted_at=timezone.now() - timedelta(hours=1),
    ).categories.set([refund])

    user = {"manager": org.andrei, "agent": org.ana}[role]
    tickets = [mine, queued, passed, claimed_up, resolved, follow_up, transferred]
    return World(
        token=Token.objects.get_or_create(user=user)[0].key,
        references=[ticket.reference for ticket in tickets],
        referral_ids=[asked.pk, answered.pk],
        customer_ids=[regular.pk, phone_only.pk],
        departments=[org.cs.slug, org.sales.slug],
        usernames=["ana", "ravi", "ioana", "marko", "priya", "andrei", "elena", "outsider"],
        categories=[refund.slug],
    )


@pytest.fixture(params=["manager", "agent"])
def world(request, transactional_db) -> World:
    return build_world(request.param)


def aim_at_real_data(case, world: World, data) -> None:
    """Swap some generated values for real ones, chosen by Hypothesis so runs replay."""
    path = case.path_parameters or {}
    if "reference" in path and data.draw(st.booleans(), label="real reference"):
        path["reference"] = data.draw(st.sampled_from(world.references), label="reference")
    if "referral_id" in path and data.draw(st.booleans(), label="real referral"):
        path["referral_id"] = data.draw(st.sampled_from(world.referral_ids), label="referral")
    if "slug" in path and data.draw(st.booleans(), label="real department"):
        path["slug"] = data.draw(st.sampled_from(world.departments), label="slug")
        path["level"] = data.draw(st.integers(min_value=1, max_value=4), label="level")
    body = case.body
    if isinstance(body, dict) and data.draw(st.booleans(), label="real body values"):
        choices = {
            "department": world.departments,
            "to": world.usernames,
            "customer": world.customer_ids,
        }
        for name, values in choices.items():
            if name in body:
                body[name] = data.draw(st.sampled_from(values), label=name)
        if "categories" in body:
            body["categories"] = data.draw(
                st.lists(st.sampled_from(world.categories), max_size=1), label="categories"
            )
        if "previous_ticket" in body:
            body["previous_ticket"] = data.draw(
                st.sampled_from(world.references), label="previous_ticket"
            )
    query = case.query
    if isinstance(query, dict) and data.draw(st.booleans(), label="real query values"):
        if "department" in query:
            query["department"] = data.draw(st.sampled_from(world.departments), label="q dept")
        if "owner" in query:
            query["owner"] = data.draw(st.sampled_from(world.usernames), label="q owner")
        if "month" in query:
            query["month"] = data.draw(st.sampled_from(MONTHS), label="q month")


@schema.parametrize()
@schema.given(data=st.data())
@FUZZ_SETTINGS
def test_api_answers_as_documented_and_never_with_a_server_error(case, data, world):
    aim_at_real_data(case, world, data)
    case.call_and_validate(headers={"Authorization": f"Token {world.token}"}, checks=CHECKS)


STATEFUL_SETTINGS = settings(
    FUZZ_SETTINGS,
    max_examples=int(os.environ.get("TIERDESK_FUZZ_SCENARIOS", "100")),
    stateful_step_count=8,
)


@pytest.fixture
def requests_keep_the_connection():
    """Stop each in-process request from closing the database connection when it ends.

    Django's test client does the same; without it the rollback of each scenario (below)
    would be lost with the connection.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def test_chained_calls_answer_as_documented_and_never_with_a_server_error(
    world, requests_keep_the_connection
):
    headers = {"Authorization": f"Token {world.token}"}

    class Workflow(schema.as_state_machine()):
        # Every scenario starts from the same organisation: Hypothesis replays choices and
        # refuses (FlakyStrategyDefinition) when what a step may do depends on what earlier
        # scenarios left behind. Each scenario runs in a transaction rolled back at its end.
        def setup(self):
            self._scenario = transaction.atomic()
            self._scenario.__enter__()

        def teardown(self):
            transaction.set_rollback(True)
            self._scenario.__exit__(None, None, None)

        def get_call_kwargs(self, case):
            return {"headers": headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs or None)

    Workflow.run(settings=STATEFUL_SETTINGS)

    # The rollback worked: the scenarios' tickets and handoffs are gone, the world's remain.
    assert sorted(t.reference for t in Ticket.objects.all()) == sorted(world.references)
