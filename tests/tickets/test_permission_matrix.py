"""Every move by every role: the screens, the API and the action agree with the move's predicate.

The predicates (``tickets.rules``, ``referrals.rules``) are first pinned against the tables
below, which are the rules in words. Then, for each cell:

(a) the page shows the move's form (its action URL) exactly when the predicate is true;
(b) the API answers 2xx when it is true; otherwise 403 with the action's own message, 404
    when the ticket (or referral) is out of the user's sight, 401 for an inactive user,
    who cannot sign in at all;
(c) the action succeeds when it is true and raises NotAllowed otherwise.

Each move is tried on a ticket whose state offers it (an unowned ticket for claim, a paused
one for resume, an owned one for the rest). A move the state does not offer is a 409, not a refusal: the one such
cell here is answering a question a colleague took (``C`` in the referral table).
"""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.errors import Conflict, NotAllowed
from referrals import rules as referral_rules
from referrals.actions import do_answer_referral, do_claim_referral, do_refer_ticket
from tests.factories import MembershipFactory, UserFactory, open_ticket
from tickets import actions, rules
from tickets.models import Handoff

Y, N, C = "may", "refused", "conflict"


def api_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def expected_status(outcome: str, *, visible: bool, active: bool, ok: int) -> int:
    if not active:
        return 401
    if not visible:
        return 404
    return {Y: ok, N: 403, C: 409}[outcome]


def offered(client, user, page_url: str, form_url: str, *, visible: bool) -> bool:
    """Whether the page shows a form posting to ``form_url``, after checking that the page
    answers as it should: 200, 404 out of sight, a redirect to sign in when inactive."""
    client.force_login(user)
    response = client.get(page_url)
    expected = 302 if not user.is_active else 200 if visible else 404
    assert response.status_code == expected, (page_url, user.username)
    return f'action="{form_url}"' in response.content.decode()


# --- the ticket's moves ---------------------------------------------------------------------

TICKET_ROLES = (
    "owner",  # front-line agent who owns it (for claim: one of the tier, since nobody owns it)
    "colleague",  # front-line agent, not the owner
    "tier_lead",  # lead of the front line
    "lead_of_tier_above",  # lead of the specialists, same department
    "other_department",  # sales agent: the ticket is out of their sight
    "manager",
    "inactive_lead",  # was a lead of the front line, now deactivated
)
TICKET_MATRIX = {
    #            owner colleague lead above other manager inactive
    "claim": (Y, Y, Y, N, N, Y, N),
    "release": (Y, N, Y, N, N, Y, N),
    "assign": (N, N, Y, N, N, Y, N),
    "pass": (Y, N, N, N, N, Y, N),
    "transfer": (Y, N, N, N, N, Y, N),
    "resolve": (Y, N, N, N, N, Y, N),
    # Any reader adds what they know; the predicate holds for sales too, whom the
    # visibility rule stops first (404).
    "note": (Y, Y, Y, Y, Y, Y, N),
    # Waiting on the customer is ruled like resolving: the owner and managers.
    "pause": (Y, N, N, N, N, Y, N),
    "resume": (Y, N, N, N, N, Y, N),
}
TICKET_API = {  # move: (URL segment, body, status on success)
    "claim": ("claim", {}, 200),
    "release": ("release", {"note": ""}, 200),
    "assign": ("assign", {"to": "ravi"}, 200),
    "pass": ("pass", {"note": "Tried a reset."}, 200),
    "transfer": ("transfer", {"department": "sales", "note": "A refund."}, 200),
    "resolve": ("resolve", {"resolution": "Replaced the part."}, 200),
    "note": ("notes", {"body": "Called back.", "internal": True}, 201),
    "pause": ("pause", {"reason": "Asked for the invoice number."}, 200),
    "resume": ("resume", {"note": ""}, 200),
}
TICKET_ACTIONS = {
    "claim": lambda ticket, user, org: actions.do_claim_ticket(ticket, by=user),
    "release": lambda ticket, user, org: actions.do_release_ticket(ticket, by=user),
    "assign": lambda ticket, user, org: actions.do_assign_ticket(ticket, by=user, to=org.ravi),
    "pass": lambda ticket, user, org: actions.do_pass_up(ticket, by=user, note="Tried a reset."),
    "transfer": lambda ticket, user, org: actions.do_transfer_ticket(
        ticket, by=user, department=org.sales, note="A refund."
    ),
    "resolve": lambda ticket, user, org: actions.do_resolve_ticket(ticket, by=user, resolution="Done."),
    "note": lambda ticket, user, org: actions.do_add_note(ticket, by=user, body="Called back."),
    "pause": lambda ticket, user, org: actions.do_pause_ticket(ticket, by=user, reason="Asked for the invoice."),
    "resume": lambda ticket, user, org: actions.do_resume_ticket(ticket, by=user),
}


def ticket_cast(org) -> dict:
    lena = UserFactory(username="lena")
    MembershipFactory(user=lena, tier=org.t1, is_lead=True)
    vera = UserFactory(username="vera", is_active=False)
    MembershipFactory(user=vera, tier=org.t1, is_lead=True)
    people = [org.ana, org.ravi, lena, org.ioana, org.elena, org.andrei, vera]
    return dict(zip(TICKET_ROLES, people, strict=True))


def ticket_offering(org, move: str):
    if move == "claim":
        # A manager logs the call: nobody at the front line owns it, it waits in the queue.
        return open_ticket(org.andrei)
    if move == "resume":
        # Ana waits on the customer.
        ticket = open_ticket(org.ana)
        return actions.do_pause_ticket(ticket, by=org.ana, reason="Asked for the invoice number.")
    return open_ticket(org.ana)


def test_the_ticket_table_covers_every_move():
    assert set(TICKET_MATRIX) == set(rules.MOVES) == set(rules.PREDICATES)


@pytest.mark.parametrize("move", rules.MOVES)
@pytest.mark.parametrize("role", TICKET_ROLES)
def test_the_ticket_page_the_api_and_the_action_follow_the_moves_predicate(client, org, role, move):
    user = ticket_cast(org)[role]
    outcome = TICKET_MATRIX[move][TICKET_ROLES.index(role)]
    visible = role != "other_department"
    ticket = ticket_offering(org, move)
    assert rules.PREDICATES[move](user, ticket) is (outcome == Y)
    assert (move in rules.allowed_moves(user, ticket)) is (outcome == Y)

    # (a) the page
    shown = offered(
        client,
        user,
        reverse("ticket-detail", args=[ticket.reference]),
        reverse(f"ticket-{move}", args=[ticket.reference]),
        visible=visible,
    )
    assert shown is (outcome == Y and visible)

    # (b) the API
    segment, body, ok = TICKET_API[move]
    before = Handoff.objects.filter(ticket=ticket).count()
    response = api_for(user).post(f"/api/v1/tickets/{ticket.reference}/{segment}/", body, format="json")
    assert response.status_code == expected_status(outcome, visible=visible, active=user.is_active, ok=ok)
    if response.status_code >= 400:
        assert Handoff.objects.filter(ticket=ticket).count() == before

    # (c) the action, on a ticket of its own
    fresh = ticket_offering(org, move)
    if outcome == Y:
        TICKET_ACTIONS[move](fresh, user, org)
    else:
        with pytest.raises(NotAllowed) as refused:
            TICKET_ACTIONS[move](fresh, user, org)
        if response.status_code == 403:
            # One message: the API's refusal and the action's are the same words.
            assert response.json()["detail"] == refused.value.message


# --- the referrals' moves -------------------------------------------------------------------

REFERRAL_ROLES = (
    "asked_member",  # of sales, the department asked
    "asked_lead",  # lead in sales
    "asker",  # the ticket's owner, who asked
    "asker_colleague",  # reads the ticket, not in sales
    "manager",
    "inactive_asked_member",
    "outsider",  # no department: sees neither the ticket nor the question
)
REFERRAL_MATRIX = {
    #               member lead asker colleague manager inactive outsider
    "refer": (N, N, Y, N, Y, N, N),
    "claim": (Y, Y, N, N, Y, N, N),
    "answer": (Y, Y, N, N, Y, N, N),
    # Taken by a colleague in sales: a plain member is told who has it (409), a lead or a
    # manager may still answer.
    "answer_taken": (C, Y, N, N, Y, N, N),
}
# Who cannot see what the move is about: before a question is asked, sales cannot read the
# ticket; once asked, the question is theirs to read.
OUT_OF_SIGHT = {
    "refer": {"asked_member", "asked_lead", "inactive_asked_member", "outsider"},
    "claim": {"outsider"},
    "answer": {"outsider"},
    "answer_taken": {"outsider"},
}
QUESTION = "Is the refund already on its way?"


def referral_cast(org) -> dict:
    sol = UserFactory(username="sol")
    MembershipFactory(user=sol, tier=org.sales_t1, is_lead=True)
    ines = UserFactory(username="ines", is_active=False)
    MembershipFactory(user=ines, tier=org.sales_t1)
    # Not a role: the colleague in sales who takes the question first in ``answer_taken``.
    MembershipFactory(user=UserFactory(username="sam"), tier=org.sales_t1)
    people = [org.elena, sol, org.ana, org.ravi, org.andrei, ines, org.outsider]
    return dict(zip(REFERRAL_ROLES, people, strict=True))


def asked(org, move: str):
    """A question from Ana's ticket to sales, taken by Sam for ``answer_taken``."""
    ticket = open_ticket(org.ana)
    referral = do_refer_ticket(ticket, by=org.ana, department=org.sales, question=QUESTION)
    if move == "answer_taken":
        referral = do_claim_referral(referral, by=UserFactory(username="sam"))
    return referral


def referral_predicate(move: str, user, subject) -> bool:
    if move == "refer":
        return referral_rules.may_refer(user, subject)
    if move == "claim":
        return referral_rules.may_claim_referral(user, subject)
    return referral_rules.may_answer_referral(user, subject)


def referral_pages(move: str, subject) -> list[tuple[str, str]]:
    """(page, form URL) of every page that offers the move."""
    if move == "refer":
        return [(reverse("ticket-detail", args=[subject.reference]), reverse("ticket-refer", args=[subject.reference]))]
    form = reverse("referral-claim" if move == "claim" else "referral-answer", args=[subject.pk])
    pages = [reverse("referral-detail", args=[subject.pk]), reverse("referral-queue")]
    if move != "claim":
        pages.append(reverse("ticket-detail", args=[subject.ticket.reference]))
    return [(page, form) for page in pages]


def referral_api(move: str, subject) -> tuple[str, dict, int]:
    if move == "refer":
        return f"/api/v1/tickets/{subject.reference}/referrals/", {"department": "sales", "question": QUESTION}, 201
    if move == "claim":
        return f"/api/v1/referrals/{subject.pk}/claim/", {}, 200
    return f"/api/v1/referrals/{subject.pk}/answer/", {"answer": "Yes, since Monday."}, 200


def referral_action(move: str, subject, user, org):
    if move == "refer":
        return do_refer_ticket(subject, by=user, department=org.sales, question=QUESTION)
    if move == "claim":
        return do_claim_referral(subject, by=user)
    return do_answer_referral(subject, by=user, answer="Yes, since Monday.")


def referral_subject(org, move: str):
    return open_ticket(org.ana) if move == "refer" else asked(org, move)


@pytest.mark.parametrize("move", list(REFERRAL_MATRIX))
@pytest.mark.parametrize("role", REFERRAL_ROLES)
def test_the_referral_screens_the_api_and_the_action_follow_the_moves_predicate(client, org, role, move):
    user = referral_cast(org)[role]
    outcome = REFERRAL_MATRIX[move][REFERRAL_ROLES.index(role)]
    visible = role not in OUT_OF_SIGHT[move]
    subject = referral_subject(org, move)
    assert referral_predicate(move, user, subject) is (outcome == Y)

    # (a) every page that offers the move: the queue, the referral's page, the ticket's page
    for page, form in referral_pages(move, subject):
        on_queue = page == reverse("referral-queue")
        shown = offered(client, user, page, form, visible=visible or on_queue)
        assert shown is (outcome == Y and visible), page

    # (b) the API
    url, body, ok = referral_api(move, subject)
    response = api_for(user).post(url, body, format="json")
    assert response.status_code == expected_status(outcome, visible=visible, active=user.is_active, ok=ok)

    # (c) the action, on a question (or ticket) of its own
    fresh = referral_subject(org, move)
    if outcome == Y:
        referral_action(move, fresh, user, org)
    else:
        with pytest.raises(Conflict if outcome == C else NotAllowed) as refused:
            referral_action(move, fresh, user, org)
        if response.status_code == 403:
            assert response.json()["detail"] == refused.value.message
