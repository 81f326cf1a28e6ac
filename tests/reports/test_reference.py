"""The plain-Python replay of the ledger (tests/reports/reference.py) on hand-made months.

Each scenario is built through the real actions with explicit times, and the expected numbers
are worked out by hand from docs/metrics.md (its two worked examples among them).
"""

import re
from datetime import datetime, timedelta

import pytest

from escalation.sweep import escalate_overdue
from outbox.models import OutboundEmail
from reports.models import SurveyInvitation
from reports.months import Month, organisation_zone
from reports.surveys import do_answer_survey
from tests.factories import CategoryFactory, CustomerFactory, open_ticket
from tests.reports import reference
from tickets import actions
from tickets.models import Handoff

OCTOBER = Month(2026, 10)  # Europe/Bucharest: +03:00 until the 25th, then +02:00
LONG = "Checked the order and the courier; needs the next tier."


def at(day, hour=0, minute=0, month=10):
    """A local wall-clock instant of 2026 in the organisation's time zone."""
    return datetime(2026, month, day, hour, minute, tzinfo=organisation_zone())


def figures(month=OCTOBER, **kwargs):
    result = reference.compute(reference.Ledger(), month, **kwargs)
    assert_counts_are_the_sets(result, month)
    return result


def assert_counts_are_the_sets(result, month):
    sets = result["sets"]
    flow = result["flow"]
    rows = [
        *((f"flow:tier:{k}", v) for k, v in flow["tiers"].items()),
        *((f"flow:department:{k}", v) for k, v in flow["departments"].items()),
        ("flow:organisation", flow["organisation"]),
    ]
    for prefix, row in rows:
        for name in reference.FLOW_COUNTS:
            assert row[name] == len(sets[f"{prefix}:{name}"]), (prefix, name)
    for (user_id, tier_id), row in result["people"].items():
        for name in reference.PERSON_COUNTS:
            assert row[name] == len(sets[f"person:{user_id}:{tier_id}:{name}"]), (user_id, name)
    assert len(result["days"]["resolved"]) == len(result["days"]["backlog"]) == len(month.days())
    for n, day in enumerate(month.days()):
        assert result["days"]["resolved"][n] == len(sets[f"day:{day.isoformat()}:resolved"])
        assert result["days"]["backlog"][n] == len(sets[f"day:{day.isoformat()}:backlog"])


def person(result, user, tier):
    return result["people"].get((user.pk, tier.pk))


def answer_survey(ticket, *, rating, now, comment="", reasons=("fast",)):
    """Answer the survey through the link in the email the resolution queued."""
    reference_ = ticket.reference
    email = OutboundEmail.objects.filter(kind="survey", body__contains=f"/{reference_}/").get()
    token = re.search(rf"/survey/{reference_}/([A-Za-z0-9_-]+)/", email.body).group(1)
    assert SurveyInvitation.objects.filter(ticket=ticket).exists()
    return do_answer_survey(
        reference_, token, rating=rating, reasons=list(reasons), comment=comment, now=now
    )


# --- the doc's worked examples -------------------------------------------------------------


def test_a_ticket_escalated_twice_from_one_tier_counts_once(org):
    """docs: T-000101, escalated from Front line on the 4th and again on the 6th."""
    ticket = open_ticket(org.andrei, now=at(3, 10))  # a manager sits at no tier: unowned
    escalate_overdue(now=at(4, 9))  # Front line's 20 h ran out at 06:00
    actions.do_claim_ticket(ticket, by=org.marko, now=at(5, 8))
    actions.do_transfer_ticket(ticket, by=org.marko, department=org.sales, note=LONG, now=at(5, 8, 30))
    actions.do_claim_ticket(ticket, by=org.elena, now=at(5, 9))
    actions.do_transfer_ticket(ticket, by=org.elena, department=org.cs, note=LONG, now=at(5, 9, 30))
    escalate_overdue(now=at(6, 7))  # back at Front line, due 6th 05:30
    actions.do_claim_ticket(ticket, by=org.marko, now=at(7, 9))
    actions.do_resolve_ticket(ticket, by=org.marko, resolution="Refunded.", now=at(7, 10))
    assert Handoff.objects.filter(ticket=ticket, kind="escalated", from_tier=org.t1).count() == 2

    result = figures()
    tiers = result["flow"]["tiers"]
    assert tiers[org.t1.pk]["opened"] == 1
    assert tiers[org.t1.pk]["escalated"] == 1  # one ticket, two time-outs
    assert tiers[org.t1.pk]["unowned_timeouts"] == 1  # nobody owned or released it
    assert tiers[org.t2.pk]["escalated"] == 0
    assert tiers[org.t2.pk]["resolved"] == 1
    assert tiers[org.t1.pk]["resolved"] == 0
    cs = result["flow"]["departments"][org.cs.pk]
    assert (cs["opened"], cs["escalated"], cs["resolved"]) == (1, 1, 1)
    assert result["flow"]["organisation"]["escalated"] == 1
    assert result["sets"][f"flow:tier:{org.t1.pk}:escalated"] == {ticket.pk}
    assert result["sets"]["flow:organisation:resolved"] == {ticket.pk}
    seconds = round((at(7, 10) - at(3, 10)).total_seconds())
    assert tiers[org.t2.pk]["median"] == tiers[org.t2.pk]["p90"] == seconds
    assert cs["median"] == result["flow"]["organisation"]["p90"] == seconds
    assert tiers[org.t1.pk]["median"] is None
    # Sales saw the ticket too: a department with a tier is always in the figures.
    assert result["flow"]["departments"][org.sales.pk]["opened"] == 0
    assert set(result["flow"]["tiers"]) == set(reference.Ledger().tiers)

    marko = person(result, org.marko, org.t2)
    assert (marko["held"], marko["resolved"], marko["returned_transfers"]) == (1, 1, 1)
    assert marko["dumped"] == 1 and marko["thin_transfers"] == 0
    elena = person(result, org.elena, org.sales_t1)
    assert (elena["held"], elena["returned_transfers"], elena["dumped"]) == (1, 0, 0)

    # Only Customer service: the same rows, and Sales is out of scope.
    cs_only = figures(department_id=org.cs.pk)
    assert set(cs_only["flow"]["tiers"]) == {org.t1.pk, org.t2.pk, org.t3.pk}
    assert set(cs_only["flow"]["departments"]) == {org.cs.pk}
    assert cs_only["flow"]["organisation"]["escalated"] == 1
    assert person(cs_only, org.elena, org.sales_t1) is None


def ravi_and_ana(org, *, ravi_releases, ana_claims):
    """docs: on a 20-hour tier Ravi claims T-000202 and releases it; Ana claims it late."""
    ticket = open_ticket(org.andrei, now=at(12, 12))  # Front line, due the 13th at 08:00
    actions.do_claim_ticket(ticket, by=org.ravi, now=at(12, 12))
    actions.do_release_ticket(ticket, by=org.ravi, note="Going home", now=ravi_releases)
    if ana_claims is not None:
        actions.do_claim_ticket(ticket, by=org.ana, now=ana_claims)
    escalate_overdue(now=at(13, 8))
    escalation = Handoff.objects.get(ticket=ticket, kind="escalated")
    return ticket, escalation


def test_a_late_release_is_charged_for_the_next_owners_time_out(org):
    """docs: Ravi releases with 4 h 30 min (22.5 %) left; Ana claims 40 minutes before the
    deadline and the clock escalates it: the time-out is Ravi's."""
    ticket, escalation = ravi_and_ana(org, ravi_releases=at(13, 3, 30), ana_claims=at(13, 7, 20))

    result = figures()
    ravi = person(result, org.ravi, org.t1)
    assert (ravi["late_releases"], ravi["timeouts"], ravi["dumped"], ravi["held"]) == (1, 1, 1, 1)
    ana = person(result, org.ana, org.t1)
    assert ana["held"] == 1
    assert (ana["timeouts"], ana["late_releases"], ana["dumped"]) == (0, 0, 0)
    t1 = result["flow"]["tiers"][org.t1.pk]
    assert (t1["escalated"], t1["unowned_timeouts"]) == (1, 0)
    assert result["sets"][f"person:{org.ravi.pk}:{org.t1.pk}:timeouts"] == {ticket.pk}
    assert result["sets"][f"person:{org.ana.pk}:{org.t1.pk}:dumped"] == set()

    facts = reference.entry_facts(reference.Ledger())[escalation.pk]
    assert facts.charged_to == org.ravi.pk
    assert facts.owner_before == org.ana.pk
    assert facts.held_for == timedelta(minutes=40)
    if hasattr(Handoff, "charged_to"):
        assert escalation.charged_to == org.ravi


@pytest.mark.parametrize(
    "ravi_releases, ana_claims, charged",
    [
        # Ana received it 70 minutes before the deadline: not a late receipt, hers.
        (at(13, 3, 30), at(13, 6, 50), "ana"),
        # Ravi left 5 h 30 min (27.5 %): not a late release, so Ana's time-out.
        (at(13, 2, 30), at(13, 7, 20), "ana"),
        # Exactly 25 % left (5 h) is late ("at most").
        (at(13, 3, 0), at(13, 7, 20), "ravi"),
        # Nobody claimed it after Ravi's release: charged to whoever last released it.
        (at(12, 14, 0), None, "ravi"),
    ],
)
def test_whom_a_time_out_is_charged_to(org, ravi_releases, ana_claims, charged):
    _ticket, escalation = ravi_and_ana(org, ravi_releases=ravi_releases, ana_claims=ana_claims)
    result = figures()
    charged_user = getattr(org, charged)
    assert person(result, charged_user, org.t1)["timeouts"] == 1
    other = org.ana if charged == "ravi" else org.ravi
    assert (person(result, other, org.t1) or {"timeouts": 0})["timeouts"] == 0
    assert result["flow"]["tiers"][org.t1.pk]["unowned_timeouts"] == 0
    assert reference.entry_facts(reference.Ledger())[escalation.pk].charged_to == charged_user.pk
    if hasattr(Handoff, "charged_to"):
        assert escalation.charged_to == charged_user


def test_a_time_out_at_the_top_tier_is_a_breach(org):
    ticket = open_ticket(org.ana, now=at(8, 9))
    actions.do_pass_up(ticket, by=org.ana, note=LONG, now=at(8, 10))
    actions.do_claim_ticket(ticket, by=org.marko, now=at(8, 11))
    actions.do_pass_up(ticket, by=org.marko, note=LONG, now=at(8, 12))
    actions.do_claim_ticket(ticket, by=org.priya, now=at(8, 13))
    escalate_overdue(now=at(9, 9))  # Experts' 20 h ran out at 08:00
    result = figures()
    t3 = result["flow"]["tiers"][org.t3.pk]
    assert (t3["breached"], t3["escalated"], t3["backlog"]) == (1, 0, 1)
    assert person(result, org.priya, org.t3)["timeouts"] == 1
    assert result["flow"]["organisation"]["passed_up"] == 1  # one ticket, two passes
    assert result["flow"]["tiers"][org.t1.pk]["passed_up"] == 1
    assert result["flow"]["tiers"][org.t2.pk]["passed_up"] == 1


# --- passes, transfers, returns ------------------------------------------------------------


def test_a_quick_pass_and_a_managers_pass_of_someone_elses_ticket(org):
    quick = open_ticket(org.ana, now=at(14, 9))  # Ana sits at Front line: she owns it
    actions.do_pass_up(quick, by=org.ana, note=LONG, now=at(14, 9, 10))
    exactly = open_ticket(org.ana, now=at(14, 10))
    actions.do_pass_up(exactly, by=org.ana, note=LONG, now=at(14, 10, 15))  # 15 min: still quick
    slower = open_ticket(org.ana, now=at(14, 11))
    actions.do_pass_up(slower, by=org.ana, note=LONG, now=at(14, 11, 16))
    ravis = open_ticket(org.ravi, now=at(14, 9))
    pass_by_manager = actions.do_pass_up(ravis, by=org.andrei, note="dunno", now=at(14, 9, 5))

    result = figures()
    ana = person(result, org.ana, org.t1)
    assert (ana["held"], ana["passed_up"], ana["quick_passes"], ana["thin_passes"]) == (3, 3, 2, 0)
    assert ana["median_held"] == 15 * 60  # nearest rank of [10, 15, 16] minutes
    assert ana["dumped"] == 2
    assert result["sets"][f"person:{org.ana.pk}:{org.t1.pk}:quick_passes"] == {
        quick.pk,
        exactly.pk,
    }
    andrei = person(result, org.andrei, org.t1)
    assert (andrei["passed_up"], andrei["quick_passes"], andrei["thin_passes"]) == (1, 0, 1)
    assert andrei["median_held"] is None  # a pass of someone else's ticket has no held-for
    assert andrei["held"] == 0 and andrei["dumped"] == 0
    ravi = person(result, org.ravi, org.t1)
    assert (ravi["held"], ravi["passed_up"], ravi["quick_passes"]) == (1, 0, 0)
    assert result["flow"]["tiers"][org.t1.pk]["passed_up"] == 4
    assert result["flow"]["tiers"][org.t2.pk]["backlog"] == 4

    entry = Handoff.objects.get(ticket=pass_by_manager, kind="passed")
    facts = reference.entry_facts(reference.Ledger())[entry.pk]
    assert facts.mover_held_for is None
    assert facts.held_for == timedelta(minutes=5)  # how long Ravi, who had it, had held it


def test_an_even_count_median_of_held_for_is_the_lower_middle(org):
    for minutes in (20, 40):
        ticket = open_ticket(org.ana, now=at(14, 9))
        actions.do_pass_up(ticket, by=org.ana, note=LONG, now=at(14, 9, minutes))
    assert person(figures(), org.ana, org.t1)["median_held"] == 20 * 60


def test_bounces_count_only_a_resolution_at_the_next_tier_within_the_time(org):
    bounced = open_ticket(org.ana, now=at(15, 9))
    actions.do_pass_up(bounced, by=org.ana, note=LONG, now=at(15, 10))
    actions.do_claim_ticket(bounced, by=org.marko, now=at(15, 10, 5))
    actions.do_resolve_ticket(bounced, by=org.marko, resolution="Reset.", now=at(15, 10, 30))
    late = open_ticket(org.ana, now=at(15, 9))
    actions.do_pass_up(late, by=org.ana, note=LONG, now=at(15, 11))
    actions.do_claim_ticket(late, by=org.marko, now=at(15, 11, 5))
    actions.do_resolve_ticket(late, by=org.marko, resolution="Reset.", now=at(15, 11, 31))
    result = figures()
    ana = person(result, org.ana, org.t1)
    assert ana["bounces"] == 1 and ana["dumped"] == 0  # never a reason to be dumped
    assert result["sets"][f"person:{org.ana.pk}:{org.t1.pk}:bounces"] == {bounced.pk}


def test_a_transfer_returned_within_the_hours_is_a_returned_transfer(org):
    returned = open_ticket(org.ana, now=at(15, 9))
    actions.do_transfer_ticket(returned, by=org.ana, department=org.sales, note=LONG, now=at(15, 10))
    actions.do_claim_ticket(returned, by=org.elena, now=at(15, 11))
    actions.do_transfer_ticket(
        returned, by=org.elena, department=org.cs, note=LONG, now=at(16, 9, 59)
    )  # 23 h 59 min later
    kept = open_ticket(org.ravi, now=at(15, 9))
    actions.do_transfer_ticket(kept, by=org.ravi, department=org.sales, note=LONG, now=at(15, 10))
    actions.do_claim_ticket(kept, by=org.elena, now=at(15, 11))
    actions.do_transfer_ticket(kept, by=org.elena, department=org.cs, note=LONG, now=at(16, 10, 1))
    by_manager = open_ticket(org.ana, now=at(17, 9))
    actions.do_transfer_ticket(
        by_manager, by=org.andrei, department=org.sales, note="wrong dept", now=at(17, 10)
    )
    actions.do_claim_ticket(by_manager, by=org.elena, now=at(17, 10, 10))
    actions.do_transfer_ticket(by_manager, by=org.elena, department=org.cs, note=LONG, now=at(17, 11))

    result = figures()
    ana = person(result, org.ana, org.t1)
    assert (ana["returned_transfers"], ana["thin_transfers"], ana["dumped"]) == (1, 0, 1)
    assert result["sets"][f"person:{org.ana.pk}:{org.t1.pk}:returned_transfers"] == {returned.pk}
    assert person(result, org.ravi, org.t1)["returned_transfers"] == 0
    andrei = person(result, org.andrei, org.t1)  # transferred Ana's ticket: not his to return
    assert (andrei["thin_transfers"], andrei["returned_transfers"], andrei["held"]) == (1, 0, 0)
    elena = person(result, org.elena, org.sales_t1)
    assert (elena["held"], elena["returned_transfers"]) == (3, 0)

    # Before the return was recorded the transfer had not come back.
    before = figures(as_of=at(16, 9))
    assert person(before, org.ana, org.t1)["returned_transfers"] == 0


def test_a_resolution_that_came_back(org):
    delivery, billing = CategoryFactory(slug="delivery"), CategoryFactory(slug="billing")
    same_category = CustomerFactory()
    first = open_ticket(org.ana, customer=same_category, category=delivery, now=at(5, 9))
    actions.do_resolve_ticket(first, by=org.ana, resolution="Resent.", now=at(5, 10))
    open_ticket(org.ana, customer=same_category, category=delivery, now=at(12, 9, 59))  # 6d 23h59

    too_late = CustomerFactory()
    second = open_ticket(org.ana, customer=too_late, category=billing, now=at(5, 9))
    actions.do_resolve_ticket(second, by=org.ana, resolution="Refunded.", now=at(5, 10))
    open_ticket(org.ana, customer=too_late, previous_ticket=second, now=at(12, 10, 1))  # 7d 1 min

    named = CustomerFactory()
    third = open_ticket(org.ana, customer=named, now=at(6, 9))
    actions.do_resolve_ticket(third, by=org.ana, resolution="Explained.", now=at(6, 10))
    open_ticket(org.ana, customer=named, category=billing, previous_ticket=third, now=at(8, 9))

    other_customer = CustomerFactory()
    fourth = open_ticket(org.ana, customer=other_customer, category=delivery, now=at(7, 9))
    actions.do_resolve_ticket(fourth, by=org.ana, resolution="Resent.", now=at(7, 10))
    open_ticket(org.ravi, category=delivery, now=at(7, 12))  # someone else's ticket

    result = figures()
    ana = person(result, org.ana, org.t1)
    assert (ana["resolved"], ana["came_back"], ana["resolved_for_good"]) == (4, 2, 2)
    sets = result["sets"]
    assert sets[f"person:{org.ana.pk}:{org.t1.pk}:came_back"] == {first.pk, third.pk}
    assert sets[f"flow:tier:{org.t1.pk}:came_back"] == {first.pk, third.pk}
    assert result["flow"]["organisation"]["came_back"] == 2

    # As it stood before the first ticket's customer called again.
    early = figures(as_of=at(10, 0))
    assert early["sets"]["flow:organisation:came_back"] == {third.pk}


# --- durations, days, closed months --------------------------------------------------------


def test_percentiles_are_nearest_rank(org):
    for hours in range(1, 11):
        ticket = open_ticket(org.ana, now=at(20, 0))
        actions.do_resolve_ticket(ticket, by=org.ana, resolution="Done.", now=at(20, hours))
    t1 = figures()["flow"]["tiers"][org.t1.pk]
    assert t1["resolved"] == t1["resolved_within"] == 10
    # Interpolation would give 5.5 h and 9.1 h.
    assert t1["median"] == 5 * 3600
    assert t1["p90"] == 9 * 3600
    assert reference.nearest_rank([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 9, 10) == 10
    assert reference.nearest_rank([], 1, 2) is None


def test_the_daily_backlog_follows_a_transfer_between_departments(org):
    moved = open_ticket(org.ana, now=at(10, 10))
    actions.do_transfer_ticket(moved, by=org.ana, department=org.sales, note=LONG, now=at(15, 12))
    actions.do_claim_ticket(moved, by=org.elena, now=at(15, 13))
    actions.do_resolve_ticket(moved, by=org.elena, resolution="Sold.", now=at(20, 12))
    last_minute = open_ticket(org.ravi, now=at(31, 23, 30))  # still October, local time
    open_ticket(org.ravi, now=at(1, 0, month=11))  # November's first instant

    def day(n):
        return n - 1

    cs = figures(department_id=org.cs.pk)
    backlog = cs["days"]["backlog"]
    assert backlog[day(9)] == 0
    assert backlog[day(10)] == backlog[day(14)] == 1
    assert backlog[day(15)] == backlog[day(30)] == 0
    assert backlog[day(31)] == 1 == cs["flow"]["departments"][org.cs.pk]["backlog"]
    assert cs["sets"]["day:2026-10-31:backlog"] == {last_minute.pk}
    assert sum(cs["days"]["resolved"]) == 0  # resolved in Sales

    sales = figures(department_id=org.sales.pk)
    backlog = sales["days"]["backlog"]
    assert backlog[day(14)] == 0
    assert backlog[day(15)] == backlog[day(19)] == 1
    assert backlog[day(20)] == 0
    assert sales["days"]["resolved"][day(20)] == 1 and sum(sales["days"]["resolved"]) == 1
    assert sales["flow"]["tiers"][org.sales_t1.pk]["resolved"] == 1

    everything = figures()
    assert len(everything["days"]["backlog"]) == 31  # the 25th is 25 hours long
    assert everything["days"]["backlog"][day(31)] == everything["flow"]["organisation"]["backlog"]
    assert everything["flow"]["organisation"]["opened"] == 2


def test_a_closed_month_ignores_a_later_answer(org):
    early = open_ticket(org.ana, now=at(20, 9))
    actions.do_resolve_ticket(early, by=org.ana, resolution="Done.", now=at(20, 9, 30))
    answer_survey(early, rating=2, comment="Slow", now=at(21, 9))
    passed = open_ticket(org.ana, now=at(22, 9))
    actions.do_pass_up(passed, by=org.ana, note=LONG, now=at(22, 10))
    actions.do_claim_ticket(passed, by=org.marko, now=at(22, 11))
    actions.do_resolve_ticket(passed, by=org.marko, resolution="Done.", now=at(23, 12))
    answer_survey(passed, rating=5, reasons=("friendly", "fast"), now=at(3, 9, month=11))
    closed_at = at(1, 6, month=11)

    closed = figures(as_of=closed_at)
    s = closed["satisfaction"]
    assert s["overall"] == (1, 0)
    assert s["reasons"] == {"fast": 1}
    assert s["comments"] == 1
    assert s["person"] == {org.ana.pk: (1, 0)}
    assert s["handoffs"] == {0: (1, 0)}
    assert s["tiers_visited"] == {1: (1, 0)}
    assert s["time_to_resolve"] == {0: (1, 0)}
    assert s["category"] == {None: (1, 0)}
    assert s["channel"] == {"phone": (1, 0)}
    ana = person(closed, org.ana, org.t1)
    assert (ana["responses"], ana["satisfied"], ana["held_responses"]) == (1, 0, 1)
    marko = person(closed, org.marko, org.t2)
    assert (marko["responses"], marko["held_responses"]) == (0, 0)

    now = figures()
    s = now["satisfaction"]
    assert s["overall"] == (2, 1)
    assert s["reasons"] == {"fast": 2, "friendly": 1}
    assert s["tier"] == {org.t1.pk: (1, 0), org.t2.pk: (1, 1)}
    assert s["handoffs"] == {0: (1, 0), 2: (1, 1)}  # a pass and a claim
    assert s["tiers_visited"] == {1: (1, 0), 2: (1, 1)}
    assert s["time_to_resolve"] == {0: (1, 0), 3: (1, 1)}  # 27 h
    marko = person(now, org.marko, org.t2)
    assert (marko["responses"], marko["satisfied"]) == (1, 1)
    assert (marko["held_responses"], marko["held_satisfied"]) == (1, 1)
    ana = person(now, org.ana, org.t1)  # held the happy ticket on its way up
    assert (ana["held_responses"], ana["held_satisfied"], ana["responses"]) == (2, 1, 1)
    assert now["sets"][f"person:{org.ana.pk}:{org.t1.pk}:held_responses"] == {early.pk, passed.pk}


def test_a_closed_month_knows_nothing_recorded_after_the_close(org):
    still_open = open_ticket(org.ana, now=at(30, 9))
    actions.do_resolve_ticket(still_open, by=org.ana, resolution="Done.", now=at(2, 9, month=11))
    open_ticket(org.ana, now=at(31, 23))
    closed = figures(as_of=at(31, 22))  # as it stood an hour before the second opening
    org_row = closed["flow"]["organisation"]
    assert (org_row["opened"], org_row["backlog"]) == (1, 1)
    november = figures(Month(2026, 11), as_of=at(2, 8, month=11))
    assert november["flow"]["organisation"]["resolved"] == 0
    assert november["flow"]["organisation"]["backlog"] == 2  # none resolved before 08:00


def test_highlighted_against_the_tiers_median(org):
    for n in range(3):
        ticket = open_ticket(org.ana, now=at(14, 9, n))
        actions.do_pass_up(ticket, by=org.ana, note=LONG, now=at(14, 9, 10 + n))
    ticket = open_ticket(org.ravi, now=at(14, 9))
    actions.do_pass_up(ticket, by=org.ravi, note=LONG, now=at(14, 9, 5))
    result = figures()
    # Nobody held 5 tickets at Front line: the median to compare with is 0.
    assert person(result, org.ana, org.t1)["flagged"] == {"quick_passes"}
    assert person(result, org.ravi, org.t1)["flagged"] == set()  # 1 is under the minimum of 3


def test_a_person_who_held_nothing_has_no_row(org):
    open_ticket(org.andrei, now=at(14, 9))
    result = figures()
    assert result["people"] == {}
    assert result["flow"]["tiers"][org.t1.pk]["backlog"] == 1
