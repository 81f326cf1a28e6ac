"""A member of staff's own preferences: for now, whether the weekly digest comes by email."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

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
            actions.do_change_preferences(
                by=user, weekly_digest=form.cleaned_data["weekly_digest"]
            )
            if form.cleaned_data["weekly_digest"]:
                messages.success(request, _("Saved: the weekly digest comes to you every Monday."))
            else:
                messages.success(request, _("Saved: no more weekly digest emails."))
            return redirect("preferences")
        return render(request, "departments/preferences.html", {"form": form}, status=400)
    return render(
        request, "departments/preferences.html", {"form": PreferencesForm(instance=current)}
    )
