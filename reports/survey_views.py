"""The customer's survey page: no login, no staff navigation, one ticket, once."""

from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods

from reports.forms import SurveyForm
from reports.models import SurveyInvitation
from reports.surveys import SurveyUnavailable, access_survey, do_answer_survey


@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def survey(request, reference: str, token: str):
    """Show the survey for a valid link and record the answer; friendly pages otherwise."""
    try:
        invitation = access_survey(reference, token)
    except SurveyInvitation.DoesNotExist:
        return render(request, "surveys/unknown.html", status=404)
    except SurveyUnavailable as exc:
        return render(request, "surveys/closed.html", {"reason": exc.reason}, status=410)

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
