"""The monthly summary email: content, managers only, once per month."""

from datetime import UTC, datetime

import time_machine

from outbox.models import OutboundEmail
from reports.models import MonthlySummary
from reports.tasks import send_monthly_summary
from tests.factories import UserFactory
from tests.reports.helpers import busy_day


def summaries():
    return OutboundEmail.objects.filter(kind="monthly_summary").order_by("id")


def test_every_manager_gets_last_months_headlines_and_the_top_of_the_dumping_report(org, settings):
    settings.TIERDESK_BASE_URL = "https://desk.example.com"
    org.andrei.email = "andrei@example.com"
    org.andrei.save()
    boss = UserFactory(username="boss", email="boss@example.com", is_superuser=True)
    busy_day(org, datetime(2026, 10, 5, 8, tzinfo=UTC), 3)
    # 1 November 07:00 in Bucharest is 05:00 UTC.
    with time_machine.travel(datetime(2026, 11, 1, 5, 0, tzinfo=UTC), tick=False):
        assert send_monthly_summary() == 2
    emails = list(summaries())
    assert sorted(e.recipients[0] for e in emails) == ["andrei@example.com", boss.email]
    assert all(len(e.recipients) == 1 for e in emails)
    body = emails[0].body
    assert "October 2026" in emails[0].subject
    assert "Opened: 6" in body and "Resolved: 3" in body
    assert "Top of the dumping report:" in body and "Ana" in body and "well above the tier" in body
    assert "https://desk.example.com/reports/?month=2026-10" in body


def test_agents_and_leads_do_not_get_the_summary(org):
    send_monthly_summary("2026-10")
    recipients = {r for e in summaries() for r in e.recipients}
    assert recipients == {org.andrei.email}
    assert org.ana.email not in recipients and org.ioana.email not in recipients


def test_a_second_run_for_the_same_month_sends_nothing(org):
    assert send_monthly_summary("2026-10") == 1
    assert send_monthly_summary("2026-10") == 0
    with time_machine.travel(datetime(2026, 11, 1, 5, 0, 30, tzinfo=UTC), tick=False):
        assert send_monthly_summary() == 0
    assert summaries().count() == 1
    assert list(MonthlySummary.objects.values_list("month", flat=True)) == [
        datetime(2026, 10, 1).date()
    ]
    assert send_monthly_summary("2026-11") == 1


def test_the_beat_schedule_runs_it_on_the_first_at_seven_in_the_organisations_zone(settings):
    entries = [
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "reports.send_monthly_summary"
    ]
    if not entries:
        import pytest

        pytest.fail(
            "CELERY_BEAT_SCHEDULE has no reports.send_monthly_summary entry yet (config/settings.py)"
        )
    schedule = entries[0]["schedule"]
    assert schedule.day_of_month == {1} and schedule.hour == {7} and schedule.minute == {0}
    assert settings.CELERY_TIMEZONE == settings.TIERDESK_TIME_ZONE
