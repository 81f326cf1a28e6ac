"""Pages show times on the organisation's clock and speak the chosen language; the API keeps
answering in UTC and in the language of its Accept-Language header."""

import zoneinfo
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone, translation

from core import display, languages
from core.languages import VIEWER_ZONE_SESSION_KEY


class LanguageMiddleware:
    """After Django's LocaleMiddleware: a choice made in the header's menu (the session) wins
    over the browser's Accept-Language on pages; the API listens to Accept-Language only."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            language = languages.from_accept_language(request.headers.get("Accept-Language", ""))
        else:
            language = languages.supported(request.session.get(languages.SESSION_KEY))
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


class OrganisationTimeZoneMiddleware:
    """Pages show times on the reader's clock: the zone they chose (kept in the session since
    sign-in or their preferences), else the organisation's. The API keeps answering in UTC."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # API clients compare timestamps across systems: UTC ("Z") is the least surprising.
        if request.path.startswith("/api/"):
            return self.get_response(request)
        chosen = viewer_zone_of(request.session.get(VIEWER_ZONE_SESSION_KEY))
        timezone.activate(chosen or ZoneInfo(settings.TIERDESK_TIME_ZONE))
        try:
            with display.shown_in(chosen):
                return self.get_response(request)
        finally:
            timezone.deactivate()


def viewer_zone_of(name: object) -> ZoneInfo | None:
    if not isinstance(name, str) or not name:
        return None
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, zoneinfo.ZoneInfoNotFoundError):
        return None
