"""Calendars in the admin: saved through the actions, so checked, recorded and recomputed."""

from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from departments.deadlines import due_at
from departments.models import (
    Calendar,
    ConfigurationChange,
    ConfigurationChangeKind,
    Department,
    Membership,
)
from tests.factories import office_hours, open_ticket
from tickets.models import Ticket

ICS = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
    b"BEGIN:VEVENT\r\nUID:1\r\nDTSTART;VALUE=DATE:20261225\r\nRRULE:FREQ=YEARLY\r\nSUMMARY:Christmas\r\nEND:VEVENT\r\n"
    b"END:VCALENDAR\r\n"
)
WEEK = {day: "08:00-16:00" for day in ("monday", "tuesday", "wednesday", "thursday", "friday")}


def form_data(response) -> dict:
    """What the admin page's forms would post back unchanged: the main form and every inline."""
    data = {}
    for form in [response.context["adminform"].form] + [
        f for inline in response.context["inline_admin_formsets"] for f in inline.formset.forms
    ]:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = value
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
    return data


def holidays_management(total=0, initial=0):
    return {
        "holidays-TOTAL_FORMS": str(total),
        "holidays-INITIAL_FORMS": str(initial),
        "holidays-MIN_NUM_FORMS": "0",
        "holidays-MAX_NUM_FORMS": "1000",
    }


def test_a_calendar_added_in_the_admin_with_a_holiday_and_a_file_is_recorded(admin_client, org):
    response = admin_client.post(
        reverse("admin:departments_calendar_add"),
        {
            "name": "Office",
            "time_zone": "Europe/Zagreb",
            **WEEK,
            "import_file": SimpleUploadedFile("h.ics", ICS, content_type="text/calendar"),
            **holidays_management(total=1),
            "holidays-0-date": "2026-05-01",
            "holidays-0-name": "Labour Day",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    calendar = Calendar.objects.get()
    assert calendar.monday == "08:00-16:00"
    assert list(calendar.holidays.order_by("date").values_list("date", "yearly")) == [
        (date(2026, 5, 1), False),
        (date(2026, 12, 25), True),
    ]
    assert ConfigurationChange.objects.filter(kind=ConfigurationChangeKind.CALENDAR_CHANGED).count() == 3


def test_a_bad_file_in_the_admin_is_a_form_error(admin_client, org):
    response = admin_client.post(
        reverse("admin:departments_calendar_add"),
        {
            "name": "Office",
            "time_zone": "Europe/Zagreb",
            **WEEK,
            "import_file": SimpleUploadedFile("h.ics", b"nonsense", content_type="text/calendar"),
            **holidays_management(),
        },
    )

    assert response.status_code == 200
    assert "import_file" in response.context["adminform"].form.errors
    assert not Calendar.objects.exists()


def test_changing_hours_in_the_admin_goes_through_the_action(admin_client, org):
    calendar = office_hours(name="Office")
    url = reverse("admin:departments_calendar_change", args=[calendar.pk])
    data = form_data(admin_client.get(url))
    data["friday"] = "08:00-14:00"

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:3000]
    change = ConfigurationChange.objects.get(kind=ConfigurationChangeKind.CALENDAR_CHANGED)
    assert change.new_value == {"friday": "08:00-14:00"}


def test_choosing_a_departments_calendar_in_the_admin_recomputes_its_tickets(admin_client, org):
    calendar = office_hours(name="Office")
    ticket = open_ticket(org.ana)
    url = reverse("admin:departments_department_change", args=[org.cs.pk])
    data = form_data(admin_client.get(url))
    data["calendar"] = calendar.pk

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:3000]
    assert Department.objects.get(pk=org.cs.pk).calendar == calendar
    change = ConfigurationChange.objects.get(kind=ConfigurationChangeKind.DEPARTMENT_CALENDAR)
    assert change.new_value == {"calendar": "Office"}
    stored = Ticket.objects.get(pk=ticket.pk)
    assert stored.due_at == due_at(stored.tier_entered_at, stored.tier.resolve_within, calendar.working_hours())


def test_a_members_shifts_are_set_in_the_admin_through_the_action(admin_client, org):
    calendar = office_hours(name="Nights", monday="22:00-06:00")
    membership = Membership.objects.get(user=org.ana)
    url = reverse("admin:departments_membership_change", args=[membership.pk])
    data = form_data(admin_client.get(url))
    data["calendar"] = calendar.pk

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:3000]
    assert Membership.objects.get(pk=membership.pk).calendar == calendar
    assert ConfigurationChange.objects.get(kind=ConfigurationChangeKind.MEMBERSHIP_CHANGED).new_value == {
        "calendar": "Nights"
    }
