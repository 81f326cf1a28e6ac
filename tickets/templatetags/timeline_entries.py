"""The entries of a ticket's timeline, written out in Python: ``{% load timeline_entries %}``.

A stretch of the timeline is fifty handoffs with the notes among them; through the template
each entry cost a dozen nodes and two filters, a third of the ticket page's time at a
million tickets (docs/benchmarks.md). ``{% timeline_entry entry %}`` writes the same
``<li>`` as the template did, for ``tickets.timeline.Entry``.
"""

from django import template
from django.template.defaultfilters import linebreaksbr
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core import display

register = template.Library()


def _badge(entry) -> SafeString:
    if entry.kind == "transferred":
        label = pgettext("timeline badge: the ticket moved to another department", "Transfer")
        return format_html('<span class="entry-badge entry-badge--transfer">⇄ {}</span>', label)
    if entry.kind == "referral_overdue":
        return format_html('<span class="entry-badge entry-badge--late">⚠ {}</span>', _("Overdue"))
    if entry.is_referral:
        return format_html('<span class="entry-badge">? {}</span>', _("Referral"))
    return mark_safe("")


@register.simple_tag
def timeline_entry(entry) -> SafeString:
    """``<li>`` of one entry: when, a badge for transfers and referrals, the sentence, and
    the note or reason (a note's text as its own block, with its line breaks)."""
    classes = f"entry entry--{entry.kind}"
    if entry.is_note and not entry.internal:
        classes += " entry--public"
    if entry.is_referral:
        classes += " entry--referral"
    if entry.is_note:
        text = format_html("{}", entry.text)
        body = format_html("\n  <blockquote>{}</blockquote>", linebreaksbr(entry.detail))
    else:
        text = format_html("{}: <q>{}</q>", entry.text, entry.detail) if entry.detail else format_html("{}", entry.text)
        body = mark_safe("")
    return format_html(
        '<li class="{}">\n'
        '  <time datetime="{}">{}</time>\n'
        "  {}\n"
        '  <p class="entry-text">{}</p>{}\n'
        "</li>",
        classes,
        template_localtime(entry.at).isoformat(), display.when(entry.at),
        _badge(entry),
        text, body,
    )
