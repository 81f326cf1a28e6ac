"""Template helpers for the monthly dashboard: durations, shares and the SVG charts."""

from datetime import timedelta
from functools import lru_cache

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.html import format_html
from django.utils.http import urlencode

from core.display import percent, span
from reports import charts
from reports.metrics.drill import NULL_KEY
from reports.metrics.people import DUMPING_SIGNS

register = template.Library()


@register.filter
def duration(seconds) -> str:
    """A number of seconds as every screen says a duration (``core.display.span``)."""
    if seconds is None or seconds == "":
        return "\u2013"
    return span(timedelta(seconds=int(seconds)))

@register.filter
def share(value) -> str:
    """A 0-1 share as a percentage with one decimal, or a dash when undefined."""
    return percent(value)


@lru_cache(maxsize=8)
def _drill_path(script_prefix: str) -> str:
    return reverse("reports-drill-down")


def drill_url(query: str, level: str, figure: str, key=None, tier=None) -> str:
    """The drill-down address of one number of the page (``query``: month and department)."""
    params = {"level": level, "figure": figure}
    if level != "organisation":
        params["key"] = NULL_KEY if key is None else key
    if tier is not None:
        params["tier"] = tier
    # The page has thousands of these: the path is resolved once per script prefix.
    return f"{_drill_path(get_script_prefix())}?{query}&{urlencode(params)}"


@register.simple_tag(takes_context=True)
def figure(context, count, level, name, key=None, tier=None, shown=None):
    """A number of the dashboard, linked to exactly the tickets behind it.

    ``count`` is how many tickets the list holds (``data-count``, checked by the tests);
    ``shown`` is the text when it is not the count itself (a share, a duration). A zero
    is not linked: there is nothing behind it.
    """
    text = count if shown is None else shown
    if not count:
        return format_html('<span data-count="0">{}</span>', text)
    url = drill_url(context["query"], level, name, key, tier)
    return format_html('<a href="{}" data-count="{}">{}</a>', url, count, text)


@register.simple_tag(takes_context=True)
def figure_url(context, level, name, key=None, tier=None):
    return drill_url(context["query"], level, name, key, tier)


@register.filter
def dumping_cells(person) -> list[tuple[str, int]]:
    """(figure, count) for each dumping column of a person's row."""
    return [(name, getattr(person, name)) for name in DUMPING_SIGNS]


@register.filter
def get(mapping, key):
    return mapping.get(key) if mapping else None


@register.inclusion_tag("reports/partials/bar_chart.html")
def bar_chart(title, description, points, percent=False, label_every=1):
    """Bars for (label, value[, url, tickets]) points: a bar with a url links to its tickets."""
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
