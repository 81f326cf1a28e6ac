"""The organisation's endpoints (departments, tiers, news), mounted at /api/v1/ by config.urls.

Path parameters are matched as text, so a malformed one gets the API's JSON 404.
"""

from django.urls import path

from departments.api import bulletins, departments

urlpatterns = [
    path("bulletins/", bulletins.BulletinsApi.as_view(), name="api-bulletins"),
    path("departments/", departments.DepartmentsApi.as_view(), name="api-departments"),
    path(
        "departments/<str:slug>/tiers/<str:level>/",
        departments.TierApi.as_view(),
        name="api-department-tier",
    ),
]
