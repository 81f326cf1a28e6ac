"""Small builders for the reports tests: a few tickets through the real actions."""

from datetime import timedelta

from escalation.sweep import escalate_overdue
from outbox.models import OutboundEmail
from reports.surveys import do_answer_survey
from tests.factories import open_ticket
from tickets import actions


def busy_day(org, start, count: int, *, answer: bool = True):
    """``count`` tickets of each shape, starting at ``start``: resolved at once, passed
    quickly and bounced, left to time out; the survey of each resolved one answered."""
    t = start
    for i in range(count):
        quick = open_ticket(org.ana, now=t)
        actions.do_pass_up(quick, by=org.ana, note="dunno", now=t + timedelta(minutes=2))
        actions.do_claim_ticket(quick, by=org.marko, now=t + timedelta(minutes=4))
        actions.do_resolve_ticket(
            quick, by=org.marko, resolution="Reset it.", now=t + timedelta(minutes=9)
        )
        if answer:
            answer_latest(
                rating=5 if i % 2 else 2, comment=f"comment {i}", now=t + timedelta(hours=1)
            )
        slow = open_ticket(org.ravi, now=t + timedelta(minutes=1))
        escalate_overdue(now=t + timedelta(hours=21))
        actions.do_claim_ticket(slow, by=org.ioana, now=t + timedelta(hours=22))
        t += timedelta(hours=23)
    return t


def answer_latest(*, rating, comment, now):
    """Answer the newest survey email through the link in it, as the customer would."""
    import re

    email = OutboundEmail.objects.filter(kind="survey").order_by("-id").first()
    reference, token = re.search(r"/survey/(T-\d+)/([A-Za-z0-9_-]+)/", email.body).groups()
    do_answer_survey(reference, token, rating=rating, reasons=["fast"], comment=comment, now=now)
