"""The record of configuration changes: who changed a tier's time, a membership or a key
contact, when, and the values before and after. Managers read it; nobody edits it."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.display import when
from core.errors import NotAllowed
from core.http import forbidden
from departments.calendars import WEEKDAYS
from departments.models import (
    Calendar,
    ConfigurationChange,
    Department,
    Holiday,
    KeyContact,
    Membership,
    Tier,
)
from departments.permissions import can_read_configuration_changes

PAGE_SIZE = 50


def _labels() -> dict:
    """The field names the record stores, in the words the forms use."""
    labels = {
        name: KeyContact._meta.get_field(name).verbose_name
        for name in (
            "name", "role", "phone", "email", "user", "hours", "backup",
            "duty_days", "duty_from", "duty_until", "position",
        )
    }
    labels["resolve_within"] = Tier._meta.get_field("resolve_within").verbose_name
    labels["tier"] = Membership._meta.get_field("tier").verbose_name
    labels["is_lead"] = Membership._meta.get_field("is_lead").verbose_name
    for name in ("time_zone", *WEEKDAYS):
        labels[name] = Calendar._meta.get_field(name).verbose_name
    labels["holidays"] = Holiday._meta.verbose_name_plural
    labels["calendar"] = Department._meta.get_field("calendar").verbose_name
    return labels


def _shown(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def _lines(change: ConfigurationChange, labels: dict) -> list[dict]:
    """One line per field: its label, the value before and after (a dash for none)."""
    before = change.old_value or {}
    after = change.new_value or {}
    keys = list(dict.fromkeys([*before, *after]))
    return [
        {
            "label": labels.get(key, key),
            "before": _shown(before.get(key)) if change.old_value is not None else "—",
            "after": _shown(after.get(key)) if change.new_value is not None else "—",
        }
        for key in keys
    ]


@require_GET
@login_required
def configuration_changes(request):
    """Every configuration change, newest first, a page at a time (managers only)."""
    if not can_read_configuration_changes(request.user):
        return forbidden(
            request, NotAllowed(_("Only managers can read the record of configuration changes."))
        )
    changes = ConfigurationChange.objects.select_related("department").order_by(
        "-changed_at", "-id"
    )
    page = Paginator(changes, PAGE_SIZE).get_page(request.GET.get("page"))
    labels = _labels()
    rows = [
        {"change": change, "when": when(change.changed_at), "lines": _lines(change, labels)}
        for change in page.object_list
    ]
    return render(request, "departments/changes.html", {"page": page, "rows": rows})
