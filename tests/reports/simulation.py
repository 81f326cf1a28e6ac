"""A randomised month of activity, made through the real actions in time order.

Tickets are opened around the month (some in the last days before it, some after it
ends), claimed, assigned, released, passed up with long or lazy notes, transferred, left
to time out (the real sweep escalates and breaches them), resolved, and surveyed through
the link in the outbox email, exactly as in production.
"""

import heapq
import random
import re
from datetime import timedelta

from departments.models import Membership
from reports.models import SurveyInvitation
from reports.surveys import SurveyUnavailable, do_answer_survey
from tests.factories import CategoryFactory, CustomerFactory, MembershipFactory, UserFactory
from tickets import actions
from tickets.errors import TierdeskError
from tickets.models import Channel, OutboundEmail, Ticket

LINK = re.compile(r"/survey/(T-\d+)/([A-Za-z0-9_-]+)/")
LONG_NOTE = "Checked the order, the courier and the payment; needs the warehouse system."
SHORT_NOTE = "no idea"


def extra_staff(org):
    """More people per tier, so medians and highlights mean something."""
    staff = {
        org.t1.pk: [org.ana, org.ravi],
        org.t2.pk: [org.ioana, org.marko],
        org.t3.pk: [org.priya],
        org.sales_t1.pk: [org.elena],
    }
    for name, tier in [("dan", org.t1), ("mara", org.t1), ("luca", org.t2), ("sven", org.t3)]:
        user = UserFactory(username=name)
        MembershipFactory(user=user, tier=tier)
        staff[tier.pk].append(user)
    return staff


def simulate(org, start, end, *, seed: int, tickets: int = 40, sweep_every=timedelta(hours=3)):
    """Generate activity from a few days before ``start`` to a day after ``end``."""
    rng = random.Random(seed)
    staff = extra_staff(org)
    lazy = staff[org.t1.pk][
        0
    ]  # ana passes everything within minutes: the dumping report should see it
    categories = [CategoryFactory(slug="delivery"), CategoryFactory(slug="billing"), None]
    begin, finish = start - timedelta(days=3), end + timedelta(days=1)
    events = []
    seq = 0

    def push(at, kind, ticket_id=None):
        nonlocal seq
        seq += 1
        heapq.heappush(events, (at, seq, kind, ticket_id))

    span = (finish - timedelta(days=1) - begin).total_seconds()
    for _i in range(tickets):
        push(begin + timedelta(seconds=rng.randrange(int(span))), "open")
    # Tickets right at the month's edges (local midnight) and around the clock change.
    for edge in (start - timedelta(minutes=1), start, end - timedelta(minutes=1), end):
        push(edge, "open")
    t = begin
    while t < finish:
        push(t, "sweep")
        t += sweep_every

    while events:
        now, _seq, kind, ticket_id = heapq.heappop(events)
        if kind == "sweep":
            actions.do_escalate_due_tickets(now=now)
        elif kind == "open":
            _open(org, staff, rng, now, categories, push)
        elif kind == "bounce":
            _bounce(staff, rng, now, ticket_id)
        else:
            _act(org, staff, rng, now, ticket_id, lazy, push)
    return staff


def _open(org, staff, rng, now, categories, push):
    department_tier = org.sales_t1 if rng.random() < 0.15 else org.t1
    opener = rng.choice(staff[department_tier.pk])
    # One customer in five gave no email address: no survey for them.
    customer = CustomerFactory(email="") if rng.random() < 0.2 else CustomerFactory()
    fields = dict(
        subject="Parcel",
        customer=customer,
        department=department_tier.department,
        category=rng.choice(categories),
        channel=rng.choice(Channel.values),
    )
    if rng.random() < 0.15:
        actions.do_open_and_resolve_ticket(
            opener, resolution="Explained on the call.", now=now, **fields
        )
        _maybe_answer(rng, now)
        return
    # Half the calls are taken by a front-line agent, half wait in the queue.
    actor = opener if rng.random() < 0.5 else org.andrei
    ticket = actions.do_open_ticket(actor, now=now, **fields)
    push(now + _delay(rng), "act", ticket.pk)


def _delay(rng) -> timedelta:
    """Minutes mostly, sometimes hours, now and then past a tier's 20 hours."""
    roll = rng.random()
    if roll < 0.5:
        return timedelta(minutes=rng.randint(1, 40), seconds=rng.randint(0, 59))
    if roll < 0.85:
        return timedelta(hours=rng.randint(1, 12), minutes=rng.randint(0, 59))
    return timedelta(hours=rng.randint(20, 30))


def _act(org, staff, rng, now, ticket_id, lazy, push):
    ticket = Ticket.objects.select_related("tier").get(pk=ticket_id)
    if ticket.is_resolved:
        return
    members = staff.get(ticket.tier_id) or [
        m.user for m in Membership.objects.filter(tier=ticket.tier)
    ]
    try:
        if ticket.owner_id is None:
            lead = next(
                (m.user for m in Membership.objects.filter(tier=ticket.tier, is_lead=True)), None
            )
            if lead and rng.random() < 0.3:
                actions.do_assign_ticket(ticket, lead, rng.choice(members), note="yours", now=now)
            else:
                actions.do_claim_ticket(ticket, rng.choice(members), now=now)
        elif _owner_move(org, rng, now, ticket, lazy) == "passed" and rng.random() < 0.4:
            # The next tier solves it in minutes: a bounce for whoever passed it.
            push(now + timedelta(minutes=rng.randint(2, 20)), "bounce", ticket_id)
    except TierdeskError:
        pass
    push(now + _delay(rng), "act", ticket_id)


def _bounce(staff, rng, now, ticket_id):
    ticket = Ticket.objects.get(pk=ticket_id)
    if ticket.is_resolved or ticket.owner_id is not None or not staff.get(ticket.tier_id):
        return
    solver = rng.choice(staff[ticket.tier_id])
    actions.do_claim_ticket(ticket, solver, now=now)
    actions.do_resolve_ticket(
        ticket, solver, resolution="Known issue, fixed.", now=now + timedelta(minutes=3)
    )
    _maybe_answer(rng, now + timedelta(minutes=3))


def _owner_move(org, rng, now, ticket, lazy):
    owner = ticket.owner
    roll = rng.random()
    top = ticket.tier.level == 3 or ticket.department_id == org.sales.pk
    if owner.pk == lazy.pk and not top:
        actions.do_pass_up(ticket, owner, note=SHORT_NOTE, now=now)
        return "passed"
    elif roll < 0.45:
        actions.do_resolve_ticket(ticket, owner, resolution="Sorted.", now=now)
        _maybe_answer(rng, now)
    elif roll < 0.65 and not top:
        actions.do_pass_up(ticket, owner, note=rng.choice([LONG_NOTE, SHORT_NOTE]), now=now)
        return "passed"
    elif roll < 0.72:
        actions.do_release_ticket(ticket, owner, note="back to the pool", now=now)
    elif roll < 0.76:
        target = org.sales if ticket.department_id != org.sales.pk else org.cs
        actions.do_transfer_ticket(
            ticket, owner, department=target, note="Belongs elsewhere.", now=now
        )
    # Otherwise they sit on it: the clock may escalate it.
    return None


def _maybe_answer(rng, now):
    """Answer the newest survey email (if the customer had an address) most of the time."""
    email = OutboundEmail.objects.filter(kind="survey").order_by("-id").first()
    if email is None or rng.random() < 0.25:
        return
    match = LINK.search(email.body)
    reference, token = match.group(1), match.group(2)
    try:
        do_answer_survey(
            reference,
            token,
            rating=rng.randint(1, 5),
            reasons=rng.sample(
                ["fast", "first_time", "friendly", "kept_informed", "other"], rng.randint(0, 3)
            ),
            comment=rng.choice(["", "", "Thanks!", "Took too long."]),
            now=now + timedelta(minutes=rng.randint(1, 600)),
        )
    except (SurveyInvitation.DoesNotExist, SurveyUnavailable):
        return  # the newest email was already answered (this customer had no address)
