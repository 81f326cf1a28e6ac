"""The customer's survey page: no login, no staff navigation, one ticket, once."""

from functools import wraps

from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods

from core import languages
from reports.forms import SurveyForm
from reports.models import SurveyInvitation
from reports.surveys import SurveyUnavailable, access_survey, do_answer_survey

# The secret token is in the page's own URL, so no other site may receive it as a Referer.
# Not "no-referrer": under it Chromium sends `Origin: null` with the form POST, which
# Django's CSRF check rightly refuses. Under "same-origin" the full Referer goes only to
# us, and the POST to ourselves carries our real Origin.
SURVEY_REFERRER_POLICY = "same-origin"


def referrer_policy_same_origin(view):
    """Send every survey response with ``Referrer-Policy: same-origin``.

    Set here, not left to ``SECURE_REFERRER_POLICY``: SecurityMiddleware keeps a header the
    view already set, so loosening the site-wide policy cannot expose the token.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.headers["Referrer-Policy"] = SURVEY_REFERRER_POLICY
        return response

    return wrapped


@referrer_policy_same_origin
@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def survey(request, reference: str, token: str):
    """Show the survey for a valid link and record the answer; friendly pages otherwise.

    The page speaks the customer's language (as their email did), whatever the browser asks.
    """
    try:
        invitation = access_survey(reference, token)
    except SurveyInvitation.DoesNotExist:
        return render(request, "surveys/unknown.html", status=404)
    except SurveyUnavailable as exc:
        reason = exc.reason
        return _in_language_of(
            exc.invitation,
            lambda: render(request, "surveys/closed.html", {"reason": reason}, status=410),
        )
    return _in_language_of(invitation, lambda: _survey_page(request, reference, token, invitation))


def _in_language_of(invitation: SurveyInvitation, page):
    """Render ``page()`` in the language of the invitation's customer."""
    language = languages.or_default(invitation.ticket.customer.language)
    with translation.override(language):
        response = page()
    response.headers["Content-Language"] = language
    return response


def _survey_page(request, reference: str, token: str, invitation: SurveyInvitation):

    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            do_answer_survey(
                reference,
                token,
                rating=form.cleaned_data["rating"],
                reasons=form.cleaned_data["reasons"],
                comment=form.cleaned_data["comment"],
            )
        except (SurveyInvitation.DoesNotExist, SurveyUnavailable):
            # Answered from another tab a moment ago: the first answer stands.
            return render(request, "surveys/closed.html", {"reason": "used"}, status=410)
        return render(request, "surveys/thanks.html", {"ticket": invitation.ticket})
    status = 400 if request.method == "POST" else 200
    return render(
        request, "surveys/survey.html", {"form": form, "ticket": invitation.ticket}, status=status
    )
