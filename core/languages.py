"""Which language a page, an API answer or an email speaks: one set of rules.

- Pages: the language a person chose in the header's menu (kept in the session, and for
  staff in their preferences, put back into the session at sign-in), else the browser's
  Accept-Language, else English. ``config.middleware.LanguageMiddleware`` applies it.
- The API: only the request's Accept-Language, else English, so a script gets the same
  answer whoever used the browser before it. Error ``code``s never change with it.
- Emails: the recipient's language (``departments.recipients`` for staff; a customer's own).
"""

from django.conf import settings
from django.utils.translation import get_supported_language_variant
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header

from core.errors import InvalidInput

# Where a chosen language is kept between requests (anonymous visitors included).
SESSION_KEY = "tierdesk_language"
# And the time zone a person chose for their pages (config.middleware reads it).
VIEWER_ZONE_SESSION_KEY = "tierdesk_time_zone"


def codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def supported(code: object) -> str | None:
    """``code`` when it is one of LANGUAGES (a regional variant maps to its language), else None."""
    if not isinstance(code, str) or not code or len(code) > 16:
        return None
    try:
        return get_supported_language_variant(code)
    except LookupError:
        return None


def from_accept_language(header: str) -> str:
    """The first language of an Accept-Language header that Tierdesk speaks, else the default."""
    for candidate, _quality in parse_accept_lang_header(header[:500]):
        if candidate == "*":
            break
        found = supported(candidate)
        if found:
            return found
    return settings.LANGUAGE_CODE


def or_default(code: object) -> str:
    """A stored language, or the default when it is blank or no longer offered."""
    return supported(code) or settings.LANGUAGE_CODE


def check(code: object, *, field: str) -> str:
    """``code`` itself when Tierdesk speaks it (exactly: "hr", not "hr-HR"), else InvalidInput."""
    if not isinstance(code, str) or supported(code) != code:
        raise InvalidInput(
            _("Choose one of the languages offered: %(codes)s.") % {"codes": ", ".join(codes())},
            field=field,
        )
    return code
