"""Referrals in the browser: asking from the ticket page, the departments' queue, claiming
and answering, the answer on the timeline, and who may do what."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from departments.models import Department
from referrals.actions import do_answer_referral, do_claim_referral, do_refer_ticket
from referrals.models import Referral
from tests.factories import MembershipFactory, TierFactory, UserFactory, open_ticket

pytestmark = pytest.mark.django_db

QUESTION = "Which items of order 4471 are out of stock?"


@pytest.fixture
def intake(org):
    """Order intake: vikram leads its only tier, olga sits there too."""
    department = Department.objects.create(slug="order-intake", name="Order intake")
    desk = TierFactory(department=department, level=1, name="Order desk")
    vikram = UserFactory(username="vikram")
    MembershipFactory(user=vikram, tier=desk, is_lead=True)
    olga = UserFactory(username="olga")
    MembershipFactory(user=olga, tier=desk)
    return department, vikram, olga


def ask(org, intake, *, now=None, **kwargs):
    ticket = open_ticket(org.ana, now=now, **kwargs)
    return do_refer_ticket(ticket, by=org.ana, department=intake[0], question=QUESTION, now=now)


def ticket_page(client, ticket):
    return client.get(reverse("ticket-detail", args=[ticket.reference]))


def test_the_owner_asks_a_department_from_the_ticket_page_and_keeps_the_ticket(client, org, intake):
    ticket = open_ticket(org.ana)
    before = (ticket.owner_id, ticket.tier_id, ticket.due_at, ticket.handoffs.count())
    client.force_login(org.ana)

    response = client.post(
        reverse("ticket-refer", args=[ticket.reference]),
        {"department": intake[0].pk, "question": QUESTION},
    )

    assert response.status_code == 302
    referral = Referral.objects.get(ticket=ticket)
    assert (referral.department, referral.question, referral.asked_by) == (
        intake[0],
        QUESTION,
        org.ana,
    )
    ticket.refresh_from_db()
    assert (ticket.owner_id, ticket.tier_id, ticket.due_at, ticket.handoffs.count()) == before
    html = client.get(response["Location"]).content.decode()
    assert "Asked Order intake" in html and QUESTION in html and "Waiting for an answer" in html


def test_the_ask_form_is_offered_to_the_owner_only_and_never_lists_the_tickets_own_department(
    client, org, intake
):
    ticket = open_ticket(org.ana)
    client.force_login(org.ana)
    html = ticket_page(client, ticket).content.decode()
    assert reverse("ticket-refer", args=[ticket.reference]) in html
    assert f'<option value="{intake[0].pk}">Order intake</option>' in html
    assert f'<option value="{org.cs.pk}">' not in html
    client.force_login(org.ravi)
    assert (
        reverse("ticket-refer", args=[ticket.reference])
        not in ticket_page(client, ticket).content.decode()
    )


def test_a_colleague_who_does_not_own_the_ticket_gets_a_403_for_a_forged_question(
    client, org, intake
):
    ticket = open_ticket(org.ana)
    client.force_login(org.ravi)

    response = client.post(
        reverse("ticket-refer", args=[ticket.reference]),
        {"department": intake[0].pk, "question": QUESTION},
    )

    assert response.status_code == 403
    assert not Referral.objects.exists()


def test_asking_without_a_question_or_of_the_tickets_own_department_is_a_form_error(
    client, org, intake
):
    ticket = open_ticket(org.ana)
    client.force_login(org.ana)
    url = reverse("ticket-refer", args=[ticket.reference])

    empty = client.post(url, {"department": intake[0].pk, "question": "  "})
    own = client.post(url, {"department": org.cs.pk, "question": QUESTION})

    assert empty.status_code == 400 and "This field is required." in empty.content.decode()
    assert own.status_code == 400 and "Select a valid choice" in own.content.decode()
    assert not Referral.objects.exists()


def test_asking_about_a_resolved_ticket_is_a_409_with_the_reason_on_the_page(client, org, intake):
    from tickets import actions

    ticket = actions.do_resolve_ticket(open_ticket(org.ana), by=org.ana, resolution="Done.")
    client.force_login(org.ana)

    response = client.post(
        reverse("ticket-refer", args=[ticket.reference]),
        {"department": intake[0].pk, "question": QUESTION},
    )

    assert response.status_code == 409
    assert "never changes again" in response.content.decode()


def test_members_of_the_asked_department_may_read_the_ticket_and_others_still_get_a_404(
    client, org, intake
):
    referral = ask(org, intake)
    client.force_login(intake[2])  # olga: a member of order intake, not the lead
    assert ticket_page(client, referral.ticket).status_code == 200
    client.force_login(org.elena)  # sales: nothing to do with it
    assert ticket_page(client, referral.ticket).status_code == 404
    client.force_login(org.outsider)
    assert ticket_page(client, referral.ticket).status_code == 404


def test_the_home_page_lists_questions_to_my_departments(client, org, intake):
    referral = ask(org, intake, subject="Missing items")
    client.force_login(intake[1])

    html = client.get(reverse("home")).content.decode()

    assert "Questions to my departments" in html
    assert QUESTION in html and referral.ticket.reference in html
    assert reverse("referral-claim", args=[referral.pk]) in html
    client.force_login(org.elena)
    assert QUESTION not in client.get(reverse("home")).content.decode()


def test_claiming_from_the_queue_with_htmx_answers_with_the_card_and_the_loser_is_told_who_won(
    client, org, intake
):
    referral = ask(org, intake)
    url = reverse("referral-claim", args=[referral.pk])
    client.force_login(intake[2])

    won = client.post(url, HTTP_HX_REQUEST="true")

    assert won.status_code == 200
    assert "Taken: it is yours to answer." in won.content.decode()
    assert f'id="referral-card-{referral.pk}"' in won.content.decode()
    client.force_login(intake[1])
    lost = client.post(url, HTTP_HX_REQUEST="true")
    assert lost.status_code == 200
    assert "Already claimed by Olga." in lost.content.decode()
    referral.refresh_from_db()
    assert referral.claimed_by == intake[2]


def test_a_claim_lost_without_htmx_is_a_409_page_naming_the_winner(client, org, intake):
    referral = ask(org, intake)
    do_claim_referral(referral, by=intake[2])
    client.force_login(intake[1])

    response = client.post(reverse("referral-claim", args=[referral.pk]))

    assert response.status_code == 409
    assert "Already claimed by Olga." in response.content.decode()


def test_only_members_of_the_asked_department_claim_or_answer_forged_posts_are_403(
    client, org, intake
):
    referral = ask(org, intake)
    client.force_login(org.ana)  # the asker can read the referral but is not in order intake

    claim = client.post(reverse("referral-claim", args=[referral.pk]))
    answer = client.post(
        reverse("referral-answer", args=[referral.pk]), {"answer": "All in stock."}
    )

    assert (claim.status_code, answer.status_code) == (403, 403)
    referral.refresh_from_db()
    assert referral.claimed_by is None and referral.answered_at is None
    client.force_login(org.elena)  # cannot even see it
    assert client.post(reverse("referral-claim", args=[referral.pk])).status_code == 404


def test_the_answer_appears_on_the_tickets_timeline_and_the_owner_is_emailed(client, org, intake):
    from outbox.models import OutboundEmail

    referral = ask(org, intake)
    client.force_login(intake[1])

    response = client.post(
        reverse("referral-answer", args=[referral.pk]),
        {"answer": "Items 2 and 5; the X210 replaces item 5.", "next": reverse("referral-queue")},
    )

    assert response.status_code == 302 and response["Location"] == reverse("referral-queue")
    assert OutboundEmail.objects.filter(
        kind="referral_answered", recipients=["ana@example.com"]
    ).exists()
    client.force_login(org.ana)
    html = ticket_page(client, referral.ticket).content.decode()
    asked, answered = html.index("Asked Order intake"), html.index("Order intake (Vikram) answered")
    assert asked < answered
    assert "Items 2 and 5; the X210 replaces item 5." in html


def test_answers_are_final_a_second_answer_is_a_409(client, org, intake):
    referral = ask(org, intake)
    do_answer_referral(referral, by=intake[1], answer="Item 3.")
    client.force_login(intake[1])

    response = client.post(
        reverse("referral-answer", args=[referral.pk]), {"answer": "Actually item 4."}
    )

    assert response.status_code == 409
    assert "answers are final" in response.content.decode()
    referral.refresh_from_db()
    assert referral.answer == "Item 3."


def test_an_empty_answer_is_a_form_error_on_the_referral_page(client, org, intake):
    referral = ask(org, intake)
    client.force_login(intake[1])

    response = client.post(reverse("referral-answer", args=[referral.pk]), {"answer": ""})

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def test_a_member_answers_from_the_ticket_page_itself(client, org, intake):
    referral = ask(org, intake)
    client.force_login(intake[1])
    html = ticket_page(client, referral.ticket).content.decode()
    assert reverse("referral-answer", args=[referral.pk]) in html
    client.force_login(org.ana)
    assert (
        reverse("referral-answer", args=[referral.pk])
        not in ticket_page(client, referral.ticket).content.decode()
    )


def test_an_unanswered_referral_past_its_target_is_marked_overdue_in_words_on_the_ticket(
    client, org, intake
):
    referral = ask(org, intake)
    client.force_login(org.ana)
    with time_machine.travel(referral.due_at - timedelta(seconds=1), tick=False):
        html = ticket_page(client, referral.ticket).content.decode()
        assert "Overdue" not in html
    with time_machine.travel(referral.due_at, tick=False):
        html = ticket_page(client, referral.ticket).content.decode()
    assert "⚠ Overdue" in html
    assert "1 overdue" in html
    assert "Overdue: Order intake has not answered within 4 h" in html


def test_a_late_answer_leaves_the_overdue_moment_in_the_story(client, org, intake):
    referral = ask(org, intake)
    do_answer_referral(
        referral, by=intake[1], answer="Late, sorry.", now=referral.due_at + timedelta(hours=1)
    )
    client.force_login(org.ana)

    html = ticket_page(client, referral.ticket).content.decode()

    overdue = html.index("Overdue: Order intake has not answered within 4 h")
    assert overdue < html.index("Order intake (Vikram) answered")
    assert "1 overdue" not in html  # answered now: no longer waiting


def test_the_queue_filters_open_overdue_answered_and_by_department(client, org, intake):
    early = ask(org, intake, subject="First", now=timezone.now() - timedelta(hours=5))
    fresh = ask(org, intake, subject="Second")
    done = ask(org, intake, subject="Third")
    do_answer_referral(done, by=intake[1], answer="Done.")
    client.force_login(intake[1])
    url = reverse("referral-queue")

    def shown(**params):
        html = client.get(url, params).content.decode()
        return {
            r.ticket.reference for r in (early, fresh, done) if f'id="referral-card-{r.pk}"' in html
        }

    assert shown() == {early.ticket.reference, fresh.ticket.reference}
    assert shown(state="overdue") == {early.ticket.reference}
    assert shown(state="answered") == {done.ticket.reference}
    assert shown(state="all") == {
        early.ticket.reference,
        fresh.ticket.reference,
        done.ticket.reference,
    }
    assert shown(department="sales") == set()


def test_the_queue_costs_the_same_number_of_queries_for_3_and_30_questions(client, org, intake):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(intake[1])
    counts = []
    for n in (3, 30):
        while Referral.objects.count() < n:
            ask(org, intake)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("referral-queue")).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
