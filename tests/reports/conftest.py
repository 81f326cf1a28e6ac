import pytest
from django.urls import NoReverseMatch, clear_url_caches, reverse


def _reports_wired() -> bool:
    try:
        reverse("reports-dashboard")
        reverse("survey", kwargs={"reference": "T-000001", "token": "x"})
        reverse("api-reports-monthly")
    except NoReverseMatch:
        return False
    return True


@pytest.fixture(autouse=True)
def reports_urls(settings):
    """Serve the reports pages even before config/urls.py includes them."""
    if not _reports_wired():
        settings.ROOT_URLCONF = "tests.reports.urls"
        clear_url_caches()
    yield
    clear_url_caches()
