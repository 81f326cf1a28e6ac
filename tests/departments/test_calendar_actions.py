"""Working-hours calendars: created, changed, imported and chosen only by managers, each recorded."""

from datetime import UTC, date, datetime, timedelta

import pytest

from core.errors import InvalidInput, NotAllowed
from departments import actions
from departments.models import (
    Calendar,
    ConfigurationChange,
    ConfigurationChangeKind,
    Department,
    Holiday,
    Membership,
)
from departments.signals import working_time_changed
from tests.factories import office_hours

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ICS = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
    b"BEGIN:VEVENT\r\nUID:1\r\nDTSTART;VALUE=DATE:20261225\r\nRRULE:FREQ=YEARLY\r\nSUMMARY:Christmas\r\nEND:VEVENT\r\n"
    b"BEGIN:VEVENT\r\nUID:2\r\nDTSTART;VALUE=DATE:20260405\r\nDTEND;VALUE=DATE:20260407\r\nSUMMARY:Easter\r\nEND:VEVENT\r\n"
    b"END:VCALENDAR\r\n"
)


@pytest.fixture
def announced():
    """What ``working_time_changed`` was sent with, in order."""
    sent = []

    def receiver(sender, **kwargs):
        sent.append({key: kwargs[key] for key in ("department_ids", "tier_ids")})

    working_time_changed.connect(receiver, dispatch_uid="test.announced")
    yield sent
    working_time_changed.disconnect(dispatch_uid="test.announced")


def changes(kind):
    return list(ConfigurationChange.objects.filter(kind=kind).order_by("id"))


def test_a_manager_creates_a_calendar_and_it_is_recorded(org):
    calendar = actions.do_create_calendar(
        by=org.andrei, name="Zagreb office", time_zone="Europe/Zagreb", week={"monday": "08:00-16:00"}, now=NOW
    )

    assert (calendar.monday, calendar.tuesday) == ("08:00-16:00", "")
    [change] = changes(ConfigurationChangeKind.CALENDAR_CHANGED)
    assert (change.changed_by, change.changed_by_name, change.changed_at) == (org.andrei, "andrei", NOW)
    assert change.old_value is None
    assert change.new_value["time_zone"] == "Europe/Zagreb"
    assert change.new_value["monday"] == "08:00-16:00"
    assert change.object_id == calendar.pk and change.department is None


def test_changing_a_calendar_records_only_what_changed_and_announces_its_departments(org, announced):
    calendar = office_hours()
    org.cs.calendar = calendar
    org.cs.save(update_fields=["calendar"])

    actions.do_change_calendar(calendar, by=org.andrei, friday="08:00-14:00", now=NOW)

    [change] = changes(ConfigurationChangeKind.CALENDAR_CHANGED)
    assert change.old_value == {"friday": "08:00-12:00, 13:00-17:00"}
    assert change.new_value == {"friday": "08:00-14:00"}
    assert (change.changed_by_name, change.changed_at) == ("andrei", NOW)
    assert announced == [{"department_ids": [org.cs.pk], "tier_ids": None}]


def test_renaming_a_calendar_moves_no_deadline(org, announced):
    calendar = office_hours()
    org.cs.calendar = calendar
    org.cs.save(update_fields=["calendar"])

    actions.do_change_calendar(calendar, by=org.andrei, name="Head office")

    assert Calendar.objects.get(pk=calendar.pk).name == "Head office"
    assert announced == []


def test_a_change_to_the_same_values_records_nothing(org, announced):
    calendar = office_hours()

    actions.do_change_calendar(calendar, by=org.andrei, monday="08:00-12:00, 13:00-17:00")

    assert changes(ConfigurationChangeKind.CALENDAR_CHANGED) == []
    assert announced == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("monday", "8-17"),
        ("tuesday", "25:00-26:00"),
        ("time_zone", "Mars/Olympus"),
        ("time_zone", ""),
        ("name", ""),
    ],
)
def test_bad_values_are_refused_naming_the_field_and_nothing_changes(org, field, value):
    calendar = office_hours()

    with pytest.raises(InvalidInput) as raised:
        actions.do_change_calendar(calendar, by=org.andrei, **{field: value})

    assert raised.value.field == field
    assert Calendar.objects.get(pk=calendar.pk).time_zone == "Europe/Zagreb"
    assert changes(ConfigurationChangeKind.CALENDAR_CHANGED) == []


def test_a_week_without_working_time_is_refused(org):
    with pytest.raises(InvalidInput) as raised:
        actions.do_create_calendar(by=org.andrei, name="Never", time_zone="UTC", week={})

    assert raised.value.field == "monday"
    assert not Calendar.objects.exists()


def test_a_second_calendar_with_the_same_name_is_refused_naming_it(org):
    office_hours(name="Office")

    with pytest.raises(InvalidInput) as raised:
        actions.do_create_calendar(by=org.andrei, name="Office", time_zone="UTC", week={"monday": "09:00-17:00"})

    assert raised.value.field == "name"


@pytest.mark.parametrize("who", ["ana", "ioana", "priya", "outsider"])
def test_only_managers_configure_calendars(org, who):
    person = getattr(org, who)
    calendar = office_hours()

    with pytest.raises(NotAllowed):
        actions.do_create_calendar(by=person, name="X", time_zone="UTC", week={"monday": "09:00-17:00"})
    with pytest.raises(NotAllowed):
        actions.do_change_calendar(calendar, by=person, monday="")
    with pytest.raises(NotAllowed):
        actions.do_import_holidays(calendar, ICS, by=person)
    with pytest.raises(NotAllowed):
        actions.do_set_holidays(calendar, by=person, holidays=[])
    with pytest.raises(NotAllowed):
        actions.do_set_department_calendar(org.cs, calendar, by=person)

    assert not ConfigurationChange.objects.exists()
    assert Department.objects.get(pk=org.cs.pk).calendar is None


def test_importing_adds_the_new_holidays_and_keeps_the_existing_ones(org, announced):
    calendar = office_hours()
    Holiday.objects.create(calendar=calendar, date=date(2026, 4, 5), name="Our own Easter")
    org.sales.calendar = calendar
    org.sales.save(update_fields=["calendar"])

    added = actions.do_import_holidays(calendar, ICS, by=org.andrei, now=NOW)

    assert added == 2
    assert list(calendar.holidays.order_by("date").values_list("date", "yearly", "name")) == [
        (date(2026, 4, 5), False, "Our own Easter"),
        (date(2026, 4, 6), False, "Easter"),
        (date(2026, 12, 25), True, "Christmas"),
    ]
    [change] = changes(ConfigurationChangeKind.CALENDAR_CHANGED)
    assert change.old_value == {"holidays": "2026-04-05 Our own Easter"}
    assert "12-25 every year Christmas" in change.new_value["holidays"]
    assert announced == [{"department_ids": [org.sales.pk], "tier_ids": None}]


def test_importing_the_same_file_twice_adds_nothing_the_second_time(org):
    calendar = office_hours()
    actions.do_import_holidays(calendar, ICS, by=org.andrei)

    assert actions.do_import_holidays(calendar, ICS, by=org.andrei) == 0
    assert len(changes(ConfigurationChangeKind.CALENDAR_CHANGED)) == 1


def test_a_bad_file_is_refused_naming_the_file_and_nothing_changes(org):
    calendar = office_hours()

    with pytest.raises(InvalidInput) as raised:
        actions.do_import_holidays(calendar, b"not a calendar", by=org.andrei)

    assert raised.value.field == "file"
    assert not calendar.holidays.exists()
    assert not ConfigurationChange.objects.exists()


def test_setting_holidays_replaces_them(org):
    calendar = office_hours()
    actions.do_import_holidays(calendar, ICS, by=org.andrei)

    actions.do_set_holidays(
        calendar,
        by=org.andrei,
        holidays=[actions.HolidayEntry(date(2026, 12, 25), True, "Božić"), actions.HolidayEntry(date(2026, 1, 1), True)],
    )

    assert list(calendar.holidays.order_by("date").values_list("date", "yearly", "name")) == [
        (date(2026, 1, 1), True, ""),
        (date(2026, 12, 25), True, "Božić"),
    ]


def test_choosing_a_departments_calendar_is_recorded_and_announced(org, announced):
    calendar = office_hours(name="Office")

    actions.do_set_department_calendar(org.cs, calendar, by=org.andrei, now=NOW)
    actions.do_set_department_calendar(org.cs, calendar, by=org.andrei, now=NOW)  # no change
    actions.do_set_department_calendar(org.cs, None, by=org.andrei, now=NOW + timedelta(hours=1))

    first, second = changes(ConfigurationChangeKind.DEPARTMENT_CALENDAR)
    assert (first.old_value, first.new_value) == ({"calendar": None}, {"calendar": "Office"})
    assert (second.old_value, second.new_value) == ({"calendar": "Office"}, {"calendar": None})
    assert (first.department, first.changed_by, first.changed_at) == (org.cs, org.andrei, NOW)
    assert announced == [{"department_ids": [org.cs.pk], "tier_ids": None}] * 2


def test_a_tier_time_change_announces_its_tier(org, announced):
    actions.do_change_tier_time(org.t2, by=org.andrei, resolve_within=timedelta(hours=8))

    assert announced == [{"department_ids": None, "tier_ids": [org.t2.pk]}]


def test_a_members_shifts_are_chosen_and_recorded(org):
    calendar = office_hours(name="Nights", monday="22:00-06:00")
    membership = Membership.objects.get(user=org.ana)

    actions.do_set_membership_calendar(membership, calendar, by=org.andrei)

    assert Membership.objects.get(pk=membership.pk).calendar == calendar
    [change] = changes(ConfigurationChangeKind.MEMBERSHIP_CHANGED)
    assert change.new_value == {"calendar": "Nights"}


def test_a_calendar_in_use_cannot_be_removed(org):
    calendar = office_hours()
    actions.do_set_department_calendar(org.cs, calendar, by=org.andrei)

    with pytest.raises(InvalidInput):
        actions.do_remove_calendar(calendar, by=org.andrei)

    actions.do_set_department_calendar(org.cs, None, by=org.andrei)
    actions.do_remove_calendar(calendar, by=org.andrei)
    assert not Calendar.objects.exists()
