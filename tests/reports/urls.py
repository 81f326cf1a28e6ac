"""The project's urlconf plus the reports routes, for as long as config/urls.py lacks them.

Used by tests/reports/conftest.py only when ``reverse("reports-dashboard")`` fails with the
real urlconf; once the routes are wired in config/urls.py it is not used at all.
"""

from django.urls import include, path

from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    path("reports/", include("reports.urls")),
    path("survey/", include("reports.survey_urls")),
    path("api/v1/", include("reports.api_urls")),
    *project_urlpatterns,
]
