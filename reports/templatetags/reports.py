"""Template helpers for the monthly dashboard: durations, shares and the SVG charts."""

from django import template
from django.utils.translation import gettext as _

from reports import charts

register = template.Library()


@register.filter
def duration(seconds) -> str:
    """Say a number of seconds the way the dashboard reads: "2 d 3 h", "4 h 10 min", "12 min"."""
    if seconds is None or seconds == "":
        return "\u2013"
    minutes = int(seconds) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(d)d d %(h)d h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": mins}
    if mins:
        return _("%(m)d min") % {"m": mins}
    return _("%(s)d s") % {"s": int(seconds)}


@register.filter
def share(value) -> str:
    """A 0-1 share as a percentage with one decimal, or a dash when undefined."""
    return "\u2013" if value is None else f"{value * 100:.1f}%"


@register.filter
def get(mapping, key):
    return mapping.get(key) if mapping else None


@register.inclusion_tag("reports/partials/bar_chart.html")
def bar_chart(title, description, points, percent=False, label_every=1):
    return {
        "title": title,
        "description": description,
        **charts.bar_chart(points, percent=percent, label_every=label_every),
    }


@register.inclusion_tag("reports/partials/line_chart.html")
def line_chart(title, description, points, label_every=1):
    return {
        "title": title,
        "description": description,
        **charts.line_chart(points, label_every=label_every),
    }
