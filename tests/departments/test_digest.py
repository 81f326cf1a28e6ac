"""The Monday digest of the week's bulletins."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from celery.schedules import crontab
from django.conf import settings

from departments.digest import previous_week, send_weekly_digest
from departments.models import Bulletin, DigestRun, StaffPreferences
from outbox.models import OutboundEmail

pytestmark = pytest.mark.django_db
BUCHAREST = ZoneInfo("Europe/Bucharest")


def post(department, title, posted_at, **fields):
    return Bulletin.objects.create(
        department=department, title=title, body="Details here", posted_at=posted_at, **fields
    )


def test_previous_week_is_monday_to_monday_in_the_organisations_zone():
    # Sunday 23:30 UTC is already Monday 01:30 in Bucharest.
    week = previous_week(datetime(2026, 11, 22, 23, 30, tzinfo=ZoneInfo("UTC")))

    assert week.start.isoformat() == "2026-11-16"
    assert week.starts_at == datetime(2026, 11, 16, tzinfo=BUCHAREST)
    assert week.ends_at == datetime(2026, 11, 23, tzinfo=BUCHAREST)


def test_digest_lists_last_weeks_bulletins_from_every_department(org):
    monday = datetime(2026, 11, 23, 7, 0, tzinfo=BUCHAREST)
    post(
        org.sales,
        "Kettle K3 out of stock; offer the K4",
        monday - timedelta(days=3),
        kind="out_of_stock",
    )
    post(
        org.cs, "Sale page does not share the cart", monday - timedelta(days=6), kind="known_fault"
    )
    post(org.cs, "Too old", monday - timedelta(days=8))
    post(org.sales, "Posted this week", monday + timedelta(minutes=5))

    run = send_weekly_digest(now=monday + timedelta(minutes=10))

    emails = OutboundEmail.objects.filter(kind="weekly_digest")
    assert run.bulletins == 2
    assert emails.count() == run.recipients > 0
    body = emails.first().body
    assert "Kettle K3 out of stock" in body and "Sale page does not share the cart" in body
    assert "Too old" not in body and "Posted this week" not in body
    assert body.index("Customer service") < body.index("Sales")


def test_people_who_opted_out_get_no_digest(org):
    StaffPreferences.objects.create(user=org.marko, weekly_digest=False)

    send_weekly_digest(now=datetime(2026, 11, 23, 7, 0, tzinfo=BUCHAREST))

    recipients = {
        r for e in OutboundEmail.objects.filter(kind="weekly_digest") for r in e.recipients
    }
    assert org.ana.email in recipients
    assert org.marko.email not in recipients


def test_the_scheduled_digest_goes_out_once_a_week_but_a_manager_can_resend(org):
    monday = datetime(2026, 11, 23, 7, 0, tzinfo=BUCHAREST)

    first = send_weekly_digest(now=monday)
    doubled_beat = send_weekly_digest(now=monday + timedelta(minutes=1))
    by_hand = send_weekly_digest(
        now=monday + timedelta(hours=2), sent_by=org.andrei, scheduled=False
    )

    assert first is not None and doubled_beat is None and by_hand is not None
    assert DigestRun.objects.count() == 2
    assert OutboundEmail.objects.filter(kind="weekly_digest").count() == first.recipients * 2


def test_beat_sends_the_digest_on_monday_morning_in_the_organisations_zone():
    entry = settings.CELERY_BEAT_SCHEDULE["weekly-bulletin-digest"]
    schedule = entry["schedule"]

    assert isinstance(schedule, crontab)
    assert entry["task"] == "departments.send_weekly_digest"
    assert settings.CELERY_TIMEZONE == settings.TIERDESK_TIME_ZONE
    assert schedule.day_of_week == {1} and schedule.hour == {7} and schedule.minute == {0}
