"""A member of staff's own preferences: whether the weekly digest comes by email, and their language."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core import languages
from departments import actions
from departments.forms import PreferencesForm
from departments.models import StaffPreferences


@require_http_methods(["GET", "POST"])
@login_required
def preferences(request):
    """Each user edits only their own row; it is created on first save (defaults apply till then)."""
    user = request.user
    current = StaffPreferences.objects.filter(user=user).first() or StaffPreferences(user=user)
    if request.method == "POST":
        form = PreferencesForm(request.POST, instance=current)
        if form.is_valid():
            chosen = actions.do_change_preferences(
                by=user,
                weekly_digest=form.cleaned_data["weekly_digest"],
                language=form.cleaned_data["language"],
                time_zone=form.cleaned_data["time_zone"],
            )
            if chosen.time_zone:
                request.session[languages.VIEWER_ZONE_SESSION_KEY] = chosen.time_zone
            else:
                request.session.pop(languages.VIEWER_ZONE_SESSION_KEY, None)
            if chosen.language:
                request.session[languages.SESSION_KEY] = chosen.language
                translation.activate(chosen.language)
            else:
                request.session.pop(languages.SESSION_KEY, None)
            if form.cleaned_data["weekly_digest"]:
                messages.success(request, _("Saved: the weekly digest comes to you every Monday."))
            else:
                messages.success(request, _("Saved: no more weekly digest emails."))
            return redirect("preferences")
        return render(request, "departments/preferences.html", {"form": form}, status=400)
    return render(
        request, "departments/preferences.html", {"form": PreferencesForm(instance=current)}
    )
