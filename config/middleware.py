"""Pages show times on the organisation's clock; the API keeps answering in UTC."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


class OrganisationTimeZoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # API clients compare timestamps across systems: UTC ("Z") is the least surprising.
        if request.path.startswith("/api/"):
            return self.get_response(request)
        timezone.activate(ZoneInfo(settings.TIERDESK_TIME_ZONE))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
