"""The header's language menu: remembered in the session, and for staff in their preferences."""

from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import languages
from core.errors import InvalidInput
from departments import actions


@require_POST
def choose_language(request):
    """Switch the language of every page from now on, then go back where the person was."""
    chosen = request.POST.get("language", "")
    if languages.supported(chosen) != chosen:
        return HttpResponseBadRequest(
            _("language: choose one of %(codes)s.") % {"codes": ", ".join(languages.codes())},
            content_type="text/plain; charset=utf-8",
        )
    if request.user.is_authenticated:
        try:
            actions.do_choose_language(by=request.user, language=chosen)
        except InvalidInput as exc:
            return HttpResponseBadRequest(exc.message, content_type="text/plain; charset=utf-8")
    request.session[languages.SESSION_KEY] = chosen
    translation.activate(chosen)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    return HttpResponseRedirect(target)
