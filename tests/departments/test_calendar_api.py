"""Working-hours calendars through the REST API."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from departments.ics import MAX_BYTES
from departments.models import (
    Calendar,
    ConfigurationChange,
    ConfigurationChangeKind,
    Department,
    Holiday,
)
from tests.factories import office_hours, open_ticket
from tickets.models import Ticket

CALENDARS = "/api/v1/calendars/"
ICS = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
    b"BEGIN:VEVENT\r\nUID:1\r\nDTSTART;VALUE=DATE:20261225\r\nRRULE:FREQ=YEARLY\r\nSUMMARY:Christmas\r\nEND:VEVENT\r\n"
    b"END:VCALENDAR\r\n"
)


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def calendar(org):
    calendar = office_hours(name="Office")
    Holiday.objects.create(calendar=calendar, date=date(2026, 1, 1), yearly=True, name="New Year")
    org.cs.calendar = calendar
    org.cs.save(update_fields=["calendar"])
    return calendar


@pytest.mark.parametrize("who", ["ana", "outsider", "andrei"])
def test_every_signed_in_user_reads_the_calendars(org, calendar, who, django_assert_max_num_queries):
    client = client_for(getattr(org, who))
    with django_assert_max_num_queries(4):  # the token, the calendars, holidays, departments
        response = client.get(CALENDARS)

    assert response.status_code == 200
    assert response.json() == [
        {
            "id": calendar.pk,
            "name": "Office",
            "time_zone": "Europe/Zagreb",
            "week": {
                "monday": "08:00-12:00, 13:00-17:00",
                "tuesday": "08:00-12:00, 13:00-17:00",
                "wednesday": "08:00-12:00, 13:00-17:00",
                "thursday": "08:00-12:00, 13:00-17:00",
                "friday": "08:00-12:00, 13:00-17:00",
                "saturday": "",
                "sunday": "",
            },
            "holidays": [{"date": "2026-01-01", "yearly": True, "name": "New Year"}],
            "departments": ["customer-service"],
        }
    ]


def test_the_calendars_need_authentication(org):
    assert APIClient().get(CALENDARS).status_code == 401


def test_a_manager_creates_a_calendar(org):
    response = client_for(org.andrei).post(
        CALENDARS,
        {"name": "Mumbai", "time_zone": "Asia/Kolkata", "week": {"monday": "09:00-18:00"}},
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["week"]["monday"] == "09:00-18:00"
    assert Calendar.objects.get(name="Mumbai").time_zone == "Asia/Kolkata"
    assert ConfigurationChange.objects.filter(kind=ConfigurationChangeKind.CALENDAR_CHANGED).count() == 1


def test_a_manager_changes_a_calendar_and_open_tickets_follow(org, calendar):
    ticket = open_ticket(org.ana)

    response = client_for(org.andrei).patch(
        f"{CALENDARS}{calendar.pk}/", {"week": {"saturday": "09:00-13:00"}, "name": "Office+"}, format="json"
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["name"], body["week"]["saturday"], body["week"]["monday"]) == (
        "Office+", "09:00-13:00", "08:00-12:00, 13:00-17:00"
    )
    from departments.deadlines import due_at
    from departments.queries import working_hours_of

    stored = Ticket.objects.get(pk=ticket.pk)
    assert stored.due_at == due_at(stored.tier_entered_at, stored.tier.resolve_within, working_hours_of(org.cs.pk))


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"week": {"monday": "8 to 5"}}, "monday"),
        ({"week": {"funday": "08:00-12:00"}}, "week"),
        ({"time_zone": "Europe/Atlantis"}, "time_zone"),
        ({"name": ""}, "name"),
        ({"week": {"monday": 5}}, "monday"),
        ({"week": "all week"}, "week"),
    ],
)
def test_bad_values_are_a_400_naming_the_field_and_change_nothing(org, calendar, body, field):
    response = client_for(org.andrei).patch(f"{CALENDARS}{calendar.pk}/", body, format="json")

    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert Calendar.objects.get(pk=calendar.pk).monday == "08:00-12:00, 13:00-17:00"
    assert not ConfigurationChange.objects.exists()


def test_a_bad_time_zone_on_creation_is_a_400_naming_it(org):
    response = client_for(org.andrei).post(
        CALENDARS, {"name": "X", "time_zone": "Nowhere/Land", "week": {"monday": "09:00-17:00"}}, format="json"
    )

    assert response.status_code == 400
    assert "time_zone" in response.json()


@pytest.mark.parametrize("who", ["ana", "ioana", "priya", "outsider"])
def test_non_managers_are_refused_with_the_stable_code(org, calendar, who):
    client = client_for(getattr(org, who))
    answers = [
        client.post(CALENDARS, {"name": "X", "time_zone": "UTC", "week": {"monday": "09:00-17:00"}}, format="json"),
        client.patch(f"{CALENDARS}{calendar.pk}/", {"name": "Y"}, format="json"),
        client.patch(f"{CALENDARS}999999/", {"name": "Y"}, format="json"),
        client.post(f"{CALENDARS}{calendar.pk}/holidays/", ICS, content_type="text/calendar"),
        client.patch("/api/v1/departments/sales/", {"calendar": calendar.pk}, format="json"),
    ]

    assert [a.status_code for a in answers] == [403] * 5
    assert {a.json()["code"] for a in answers} == {"not_allowed"}
    assert not ConfigurationChange.objects.exists()


@pytest.mark.parametrize("calendar_id", ["999999", "abc", "-1", "99999999999999999999999"])
def test_an_unknown_calendar_is_a_404(org, calendar, calendar_id):
    response = client_for(org.andrei).patch(f"{CALENDARS}{calendar_id}/", {"name": "Y"}, format="json")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_holidays_are_imported_from_a_raw_text_calendar_body(org, calendar):
    response = client_for(org.andrei).post(f"{CALENDARS}{calendar.pk}/holidays/", ICS, content_type="text/calendar")

    assert response.status_code == 200, response.json()
    assert response.json()["added"] == 1
    assert {"date": "2026-12-25", "yearly": True, "name": "Christmas"} in response.json()["calendar"]["holidays"]


def test_holidays_are_imported_from_a_multipart_upload(org, calendar):
    upload = SimpleUploadedFile("holidays.ics", ICS, content_type="text/calendar")

    response = client_for(org.andrei).post(f"{CALENDARS}{calendar.pk}/holidays/", {"file": upload}, format="multipart")

    assert response.status_code == 200, response.json()
    assert response.json()["added"] == 1


@pytest.mark.parametrize("content", [b"", b"not a calendar", b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n"])
def test_a_bad_ics_file_is_a_400_naming_the_file(org, calendar, content):
    response = client_for(org.andrei).post(f"{CALENDARS}{calendar.pk}/holidays/", content, content_type="text/calendar")

    assert response.status_code == 400
    assert "file" in response.json()
    assert calendar.holidays.count() == 1


def test_an_upload_without_a_file_is_a_400_naming_it(org, calendar):
    response = client_for(org.andrei).post(f"{CALENDARS}{calendar.pk}/holidays/", {}, format="json")

    assert response.status_code == 400
    assert "file" in response.json()


def test_a_file_over_the_limit_is_a_413(org, calendar):
    response = client_for(org.andrei).post(
        f"{CALENDARS}{calendar.pk}/holidays/", b"x" * (MAX_BYTES + 10), content_type="text/calendar"
    )

    assert response.status_code == 413


def test_a_manager_chooses_and_clears_a_departments_calendar(org, calendar):
    client = client_for(org.andrei)

    chosen = client.patch("/api/v1/departments/sales/", {"calendar": calendar.pk}, format="json")
    cleared = client.patch("/api/v1/departments/sales/", {"calendar": None}, format="json")

    assert (chosen.status_code, chosen.json()["calendar"]) == (200, calendar.pk)
    assert (cleared.status_code, cleared.json()["calendar"]) == (200, None)
    assert Department.objects.get(pk=org.sales.pk).calendar is None
    first, second = ConfigurationChange.objects.filter(kind=ConfigurationChangeKind.DEPARTMENT_CALENDAR).order_by("id")
    assert (first.changed_by_name, first.new_value, second.new_value) == ("andrei", {"calendar": "Office"}, {"calendar": None})


@pytest.mark.parametrize("value", [999999, 2**70, "x", 0])
def test_an_unknown_calendar_for_a_department_is_a_400_naming_it(org, calendar, value):
    response = client_for(org.andrei).patch("/api/v1/departments/sales/", {"calendar": value}, format="json")

    assert response.status_code == 400
    assert "calendar" in response.json()


def test_an_unknown_department_is_a_404(org, calendar):
    response = client_for(org.andrei).patch("/api/v1/departments/nowhere/", {"calendar": None}, format="json")

    assert response.status_code == 404


def test_the_schema_documents_the_calendar_endpoints_and_their_errors():
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]

    assert {"200", "401"} <= set(paths["/api/v1/calendars/"]["get"]["responses"])
    assert {"201", "400", "401", "403"} <= set(paths["/api/v1/calendars/"]["post"]["responses"])
    assert {"200", "400", "401", "403", "404"} <= set(paths["/api/v1/calendars/{calendar_id}/"]["patch"]["responses"])
    holidays = paths["/api/v1/calendars/{calendar_id}/holidays/"]["post"]
    assert {"200", "400", "401", "403", "404", "413"} <= set(holidays["responses"])
    assert {"multipart/form-data", "text/calendar"} <= set(holidays["requestBody"]["content"])
    assert {"200", "400", "401", "403", "404"} <= set(paths["/api/v1/departments/{slug}/"]["patch"]["responses"])
