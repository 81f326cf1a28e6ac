"""One display policy: dates and times on the organisation's clock, names as people read them."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

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


# --- one format per language -------------------------------------------------------------

WHEN_BY_LANGUAGE = {
    # 2 Dec 2026 12:05 UTC is 14:05 in Bucharest, whatever the language.
    "en": ("2 Dec 2026", "2 Dec 2026, 14:05", "1.5"),
    "hr": ("2. 12. 2026.", "2. 12. 2026. 14:05", "1,5"),
    "hi": ("02/12/2026", "02/12/2026, 14:05", "1.5"),
    "ro": ("02.12.2026", "02.12.2026, 14:05", "1,5"),
}


@pytest.mark.parametrize("language", sorted(WHEN_BY_LANGUAGE))
def test_each_language_has_one_date_one_time_and_one_number_format(language):
    instant = datetime(2026, 12, 2, 12, 5, tzinfo=UTC)
    date_text, when_text, hours_text = WHEN_BY_LANGUAGE[language]
    with translation.override(language):
        assert display.day(instant) == date_text
        assert display.when(instant) == when_text
        assert display.clock(instant) == "14:05"
        assert display.hours(timedelta(minutes=90)) == hours_text
        # A template's bare |date follows the same policy as the display filters.
        bare = Template("{{ at|date }}").render(Context({"at": display.local(instant)}))
        assert bare == date_text


@pytest.mark.parametrize("language", ["en", "hr", "hi", "ro"])
def test_durations_and_shares_are_said_in_the_language(language):
    with translation.override(language):
        duration = display.span(timedelta(hours=3, minutes=10))
        share = display.percent(0.125)
    assert "3" in duration and "10" in duration
    assert ("12,5" if language in ("hr", "ro") else "12.5") in share
    if language == "hi":
        assert any("\u0900" <= c <= "\u097f" for c in duration), duration
