"""The organisation's endpoints (departments, tiers, calendars, news), mounted at /api/v1/ by config.urls.

Path parameters are matched as text, so a malformed one gets the API's JSON 404.
"""

from django.urls import path

from departments.api import bulletins, calendars, departments

urlpatterns = [
    path("bulletins/", bulletins.BulletinsApi.as_view(), name="api-bulletins"),
    path("calendars/", calendars.CalendarsApi.as_view(), name="api-calendars"),
    path("calendars/<str:calendar_id>/", calendars.CalendarApi.as_view(), name="api-calendar"),
    path(
        "calendars/<str:calendar_id>/holidays/",
        calendars.CalendarHolidaysApi.as_view(),
        name="api-calendar-holidays",
    ),
    path("departments/", departments.DepartmentsApi.as_view(), name="api-departments"),
    path("departments/<str:slug>/", departments.DepartmentApi.as_view(), name="api-department"),
    path(
        "departments/<str:slug>/tiers/<str:level>/",
        departments.TierApi.as_view(),
        name="api-department-tier",
    ),
]
