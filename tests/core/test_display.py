"""One display policy: dates and times on the organisation's clock, names as people read them."""

from datetime import UTC, date, datetime, timedelta

from django.template import Context, Template
from django.utils import timezone

from core import display

# 22:30 UTC on 30 November 2026 is 00:30 on 1 December in Bucharest (UTC+2).
LATE = datetime(2026, 11, 30, 22, 30, tzinfo=UTC)


class User:
    def __init__(self, full_name, username):
        self.full_name, self.username = full_name, username

    def get_full_name(self):
        return self.full_name


def render(source: str, **context) -> str:
    return Template("{% load display %}" + source).render(Context(context))


def test_a_moment_reads_as_day_month_year_and_24_hour_time_on_the_organisations_clock():
    assert display.when(LATE) == "1 Dec 2026, 00:30"
    assert display.day(LATE) == "1 Dec 2026"
    assert display.clock(LATE) == "00:30"


def test_a_calendar_day_is_shown_as_it_is():
    assert display.day(date(2026, 11, 2)) == "2 Nov 2026"


def test_the_active_zone_does_not_change_what_is_shown(settings):
    with timezone.override(UTC):
        assert display.when(LATE) == "1 Dec 2026, 00:30"
    settings.TIERDESK_TIME_ZONE = "America/New_York"
    assert display.when(LATE) == "30 Nov 2026, 17:30"


def test_nothing_to_show_is_an_empty_string():
    assert display.when(None) == display.day(None) == display.clock(None) == ""


def test_a_person_is_their_full_name_else_their_username():
    assert display.person(User("Ana Pop", "ana")) == "Ana Pop"
    assert display.person(User("", "ana")) == "ana"
    assert display.person(None) == "nobody"


def test_the_template_filters_follow_the_same_policy():
    shown = render(
        "{{ at|when }} / {{ at|day }} / {{ at|clock }} / {{ who|person }} / {{ nobody|person }}",
        at=LATE, who=User("Ana Pop", "ana"), nobody=None,
    )
    assert shown == "1 Dec 2026, 00:30 / 1 Dec 2026 / 00:30 / Ana Pop / nobody"


def test_the_ticket_pages_person_filter_is_the_same_policy():
    shown = Template("{% load tierdesk %}{{ who|person }}").render(Context({"who": User("", "ravi")}))
    assert shown == "ravi"


def test_hours_are_whole_when_they_can_be():
    assert display.hours(timedelta(hours=20)) == "20"
    assert display.hours(timedelta(minutes=90)) == "1.5"
    assert display.hours(None) == "?"
