"""``reports.simulation``: five weeks over the October 2026 clock change, read back from the ledger.

Every habit is checked on what the ledger recorded, not on the simulator's own counters:
the dumping report will only ever see the ledger.
"""

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from statistics import median

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from outbox.actions import pending_emails
from outbox.models import OutboundEmail
from reports.models import SurveyResponse
from reports.months import Month, local_midnight, month_containing, organisation_zone
from reports.simulation import HABITS, SimulationError, format_summary, simulate
from tests.factories import build_organisation
from tickets.ledger import current_state, replay
from tickets.models import Handoff, HandoffKind, Ticket

OCTOBER_1 = local_midnight(date(2026, 10, 1))
CLOCKS_GO_BACK = datetime(2026, 10, 25, 1, tzinfo=UTC)  # 04:00 EEST becomes 03:00 EET
OCTOBER = Month(2026, 10)
QUICK = timedelta(minutes=15)
# Entries that start a tier's clock: the ticket entered the tier (default 20 h) then.
ENTERS_A_TIER = {
    HandoffKind.OPENED,
    HandoffKind.PASSED,
    HandoffKind.ESCALATED,
    HandoffKind.TRANSFERRED,
}


class Played:
    """One simulation and its ledger, read once for the module's tests."""

    def __init__(self, org, result):
        self.org, self.result = org, result
        self.cast = {habit: user.pk for habit, user in result.cast.items()}
        self.tickets = {t.pk: t for t in result.tickets().select_related("customer")}
        self.trails: dict[int, list[Handoff]] = {pk: [] for pk in self.tickets}
        for h in Handoff.objects.filter(ticket_id__in=self.tickets).order_by("ticket_id", "id"):
            self.trails[h.ticket_id].append(h)

    def handoffs(self, **where):
        for trail in self.trails.values():
            for h in trail:
                if all(getattr(h, field) == value for field, value in where.items()):
                    yield h


@pytest.fixture(scope="module")
def october(django_db_setup, django_db_blocker):
    """Five weeks from 1 October 2026, committed for the module's tests, flushed afterwards."""
    with django_db_blocker.unblock():
        try:
            org = build_organisation()
            result = simulate(OCTOBER_1, 35, seed=7, calls_per_day=8)
            yield Played(org, result)
        finally:
            call_command("flush", interactive=False, verbosity=0)


pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def in_october(h: Handoff) -> bool:
    return OCTOBER.start <= h.at < OCTOBER.end


def quick_passes_by_person(played: Played, tier) -> Counter:
    return Counter(
        h.actor_id
        for h in played.handoffs(kind=HandoffKind.PASSED, from_tier_id=tier.pk)
        if in_october(h) and h.since_previous is not None and h.since_previous <= QUICK
    )


def deadline_before(trail: list[Handoff], index: int, tier) -> datetime:
    """The deadline in force at ``trail[index]``: when the ticket entered its tier, plus the tier's time."""
    entry = next(h for h in reversed(trail[: index + 1]) if h.kind in ENTERS_A_TIER)
    return entry.at + tier.resolve_within


# --- determinism and the command ---------------------------------------------------------
# These build their own organisation, so they come before the first test that uses the
# module's committed October (pytest runs a module's tests in file order and sets the
# module fixture up at its first use).


class Rollback(Exception):
    pass


def ledger_of_a_fresh_run(seed: int) -> list[list[tuple]]:
    """Build the organisation, simulate, read every ticket's trail in words; roll it all back."""
    trails = []
    try:
        with transaction.atomic():
            build_organisation()
            result = simulate(OCTOBER_1 + timedelta(days=20), 8, seed=seed, calls_per_day=6)
            for ticket in result.tickets().order_by("opened_at", "pk"):
                trails.append(
                    [
                        (h.kind, h.at, getattr(h.actor, "username", None), getattr(h.to_owner, "username", None),
                         h.to_tier.level, h.to_department.slug, h.note)
                        for h in ticket.handoffs.select_related("actor", "to_owner", "to_tier", "to_department").order_by("pk")
                    ]
                )  # fmt: skip
            raise Rollback
    except Rollback:
        pass
    return trails


def test_the_same_seed_on_the_same_database_writes_the_same_ledger():
    first = ledger_of_a_fresh_run(seed=3)
    second = ledger_of_a_fresh_run(seed=3)
    other = ledger_of_a_fresh_run(seed=4)

    assert len(first) > 20
    assert first == second
    assert first != other


def test_simulate_needs_a_front_line_with_two_tiers():
    with pytest.raises(SimulationError):
        simulate(OCTOBER_1, 1, seed=1)


def test_the_command_simulates_and_prints_the_summary(org):
    out = StringIO()

    call_command(
        "simulate", "--days", "3", "--seed", "5", "--start", "2026-10-05", "--calls-per-day", "6",
        "--quiet", stdout=out,
    )  # fmt: skip

    text = out.getvalue()
    assert "Simulated 2026-10-05 00:00 to 2026-10-08 00:00 (Europe/Bucharest), seed 5" in text
    assert "Who played which habit" in text and "dumper" in text
    assert Ticket.objects.filter(customer__external_reference__startswith="SIM-").exists()


def test_the_command_refuses_a_bad_start_and_an_organisation_it_cannot_play(db):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("simulate", "--days", "1", "--seed", "1", "--start", "1 Oct", "--quiet")
    with pytest.raises(CommandError, match="front-line department"):
        call_command("simulate", "--days", "1", "--seed", "1", "--quiet")


# --- the habits -------------------------------------------------------------------------


def test_the_window_is_five_local_weeks_over_the_clock_change(october):
    assert october.result.start == datetime(2026, 9, 30, 21, tzinfo=UTC)  # 00:00 EEST
    assert october.result.end == datetime(2026, 11, 4, 22, tzinfo=UTC)  # 00:00 EET
    assert october.result.start < CLOCKS_GO_BACK < october.result.end
    assert set(october.result.cast) == set(HABITS)
    assert october.result.summary["opened"] == len(october.tickets)


def test_the_dumper_passes_quickly_while_colleagues_hardly_ever_do(october):
    t1 = october.org.t1
    quick = quick_passes_by_person(october, t1)
    dumper = october.cast["dumper"]
    colleagues = [m.user_id for m in t1.memberships.all() if m.user_id not in october.cast.values()]
    assert len(colleagues) >= 3
    typical = median(quick[u] for u in colleagues)
    assert quick[dumper] >= 5
    assert typical <= 1
    assert quick[dumper] >= 2 * typical + 5
    lazy = [
        h for h in october.handoffs(kind=HandoffKind.PASSED, actor_id=dumper) if len(h.note) < 20
    ]
    assert lazy, "the dumper often writes a note under 20 characters"


def test_the_late_releaser_leaves_a_colleague_a_ticket_that_times_out(october):
    releaser = october.cast["late_releaser"]
    tiers = {t.pk: t for t in (october.org.t1, october.org.t2, october.org.t3)}
    shapes = 0
    for trail in october.trails.values():
        for i, h in enumerate(trail):
            if not (h.kind == HandoffKind.RELEASED and h.actor_id == releaser == h.from_owner_id):
                continue
            tier = tiers[h.from_tier_id]
            due = deadline_before(trail, i, tier)
            assert due - h.at <= tier.resolve_within * 0.25, "released with under a quarter left"
            after = trail[i + 1 : i + 3]
            if (
                len(after) == 2
                and after[0].kind == HandoffKind.CLAIMED
                and after[0].actor_id != releaser
                and due - timedelta(hours=1) < after[0].at < due
                and after[1].kind == HandoffKind.ESCALATED
                and after[1].from_owner_id == after[0].actor_id
            ):
                shapes += 1
    assert shapes >= 2


def test_the_time_out_sitter_never_moves_a_ticket_and_the_sweep_escalates_them(october):
    sitter = october.cast["timeout_sitter"]
    time_outs = [
        h
        for h in october.handoffs(kind=HandoffKind.ESCALATED, from_owner_id=sitter)
        if h.actor_id is None
    ]
    assert len(time_outs) >= 5
    moves = Counter(h.kind for h in october.handoffs(actor_id=sitter))
    assert (
        moves[HandoffKind.PASSED]
        == moves[HandoffKind.TRANSFERRED]
        == moves[HandoffKind.RELEASED]
        == 0
    )
    # What the sitter resolved, they resolved on the call.
    for h in october.handoffs(kind=HandoffKind.RESOLVED, actor_id=sitter):
        assert october.tickets[h.ticket_id].resolved_on_first_call


def test_the_ping_pong_transferrer_sends_thin_transfers_that_come_back_within_a_day(october):
    player, cs = october.cast["ping_pong"], october.org.cs
    returned = 0
    for trail in october.trails.values():
        for i, h in enumerate(trail):
            if h.kind == HandoffKind.TRANSFERRED and h.actor_id == player and len(h.note) < 20:
                back = next((b for b in trail[i + 1 :] if b.kind == HandoffKind.TRANSFERRED), None)
                if (
                    back
                    and back.to_department_id == cs.pk
                    and back.at - h.at <= timedelta(hours=24)
                ):
                    returned += 1
    assert returned >= 3


def test_the_manager_resolves_and_passes_up_tickets_that_others_own(october):
    manager = october.cast["manager"]
    assert manager == october.org.andrei.pk
    for kind in (HandoffKind.RESOLVED, HandoffKind.PASSED):
        others = [
            h for h in october.handoffs(kind=kind, actor_id=manager)
            if h.from_owner_id not in (None, manager)
        ]  # fmt: skip
        assert others, kind


def test_a_ticket_times_out_twice_at_tier_1_after_a_transfer_away_and_back(october):
    t1, cs = october.org.t1, october.org.cs
    found = []
    for ticket_id, trail in october.trails.items():
        timeouts = [
            i
            for i, h in enumerate(trail)
            if h.kind == HandoffKind.ESCALATED and h.from_tier_id == t1.pk
        ]
        if len(timeouts) >= 2:
            between = trail[timeouts[0] : timeouts[1]]
            away = any(
                h.kind == HandoffKind.TRANSFERRED and h.from_department_id == cs.pk for h in between
            )
            back = any(
                h.kind == HandoffKind.TRANSFERRED and h.to_department_id == cs.pk for h in between
            )
            if away and back:
                found.append(ticket_id)
    assert found
    assert set(october.result.examples["timed_out_twice"]) <= set(found)


def test_a_ticket_is_passed_up_twice_from_tier_1_after_a_transfer_away_and_back(october):
    t1, cs = october.org.t1, october.org.cs
    found = []
    for ticket_id, trail in october.trails.items():
        passes = [
            i
            for i, h in enumerate(trail)
            if h.kind == HandoffKind.PASSED and h.from_tier_id == t1.pk
        ]
        if len(passes) >= 2:
            between = trail[passes[0] : passes[1]]
            if any(
                h.kind == HandoffKind.TRANSFERRED and h.to_department_id == cs.pk for h in between
            ):
                found.append(ticket_id)
    assert found
    assert set(october.result.examples["passed_twice"]) <= set(found)


def test_customers_come_back_within_a_week_with_a_linked_ticket(october):
    came_back = 0
    for ticket in october.tickets.values():
        earlier = ticket.previous_ticket_id and october.tickets.get(ticket.previous_ticket_id)
        if earlier and earlier.customer_id == ticket.customer_id:
            assert timedelta(0) <= ticket.opened_at - earlier.resolved_at <= timedelta(days=7)
            came_back += 1
    assert came_back >= 2


def test_some_survey_answers_come_days_later_in_the_next_month(october):
    zone = organisation_zone()
    answers = SurveyResponse.objects.filter(ticket_id__in=october.tickets).select_related("ticket")
    assert answers.count() >= 20
    late = [
        a for a in answers
        if month_containing(a.answered_at) != month_containing(a.ticket.resolved_at)
        and a.answered_at - a.ticket.resolved_at >= timedelta(days=3)
    ]  # fmt: skip
    assert late
    assert any(a.answered_at.astimezone(zone).date() <= date(2026, 11, 4) for a in late)
    assert {a.rating for a in answers} >= {2, 3, 4, 5}


def test_ordinary_work_goes_on_around_the_habits(october):
    kinds = Counter(h.kind for trail in october.trails.values() for h in trail)
    assert (
        kinds[HandoffKind.ASSIGNED] and kinds[HandoffKind.BREACHED] and kinds[HandoffKind.CLAIMED]
    )
    on_the_call = sum(t.resolved_on_first_call for t in october.tickets.values()) / len(
        october.tickets
    )
    assert 0.08 <= on_the_call <= 0.25
    # Ordinary colleagues write proper notes when they pass a ticket up.
    dumper = october.cast["dumper"]
    proper = [h for h in october.handoffs(kind=HandoffKind.PASSED) if h.actor_id != dumper]
    assert proper and sum(len(h.note) >= 20 for h in proper) / len(proper) > 0.9
    summary = october.result.summary
    assert summary["referrals_asked"] and summary["referrals_answered"]
    assert summary["moves_refused"] == 0, "every move was planned on the ticket as it stood"
    assert summary["escalations"] == sum(
        1 for h in october.handoffs(kind=HandoffKind.ESCALATED) if october.result.start <= h.at
    )


def test_calls_come_in_office_hours_on_both_sides_of_the_clock_change(october):
    zone = organisation_zone()
    for before in (True, False):
        openings = [
            t.opened_at
            for t in october.tickets.values()
            if (t.opened_at < CLOCKS_GO_BACK) == before
        ]
        hours = Counter(t.astimezone(zone).hour for t in openings)
        daytime = sum(n for hour, n in hours.items() if 8 <= hour < 20)
        assert daytime / len(openings) >= 0.85
        assert 9 <= hours.most_common(1)[0][0] <= 14
    weekdays = Counter(t.opened_at.astimezone(zone).isoweekday() for t in october.tickets.values())
    assert weekdays[7] < weekdays[1] and weekdays[6] < weekdays[3]


def test_every_simulated_ticket_replays_to_its_state(october):
    for ticket_id, ticket in october.tickets.items():
        assert replay(october.trails[ticket_id]) == current_state(ticket)
        assert [h.at for h in october.trails[ticket_id]] == sorted(
            h.at for h in october.trails[ticket_id]
        )


def test_simulated_emails_are_recorded_as_sent_and_never_wait_for_a_worker(october):
    assert OutboundEmail.objects.filter(kind="survey").exists()
    assert not OutboundEmail.objects.filter(sent_at__isnull=True).exists()
    assert not pending_emails(october.result.end + timedelta(days=365)).exists()


def test_the_summary_names_every_habit_and_its_player(october):
    text = "\n".join(format_summary(october.result))
    for words in ("Tickets opened", "resolved on the call", "Claims", "releases", "assignments",
                  "Passes", "transfers", "escalations", "breaches", "referrals asked", "answered",
                  "Surveys sent", "dumper", "late releaser", "time-out sitter", "ping-pong",
                  "manager"):  # fmt: skip
        assert words in text
    for user in october.result.cast.values():
        assert user.username in text
