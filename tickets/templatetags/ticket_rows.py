"""The rows of the ticket tables, written out in Python: ``{% load ticket_rows %}``.

A queue, a home panel or the managers' list shows up to fifty rows, each of a dozen cells,
links, forms and translated words. Through templates each row cost forty template nodes,
most of a list page's time at a million tickets (docs/benchmarks.md); written here, as the
Django admin writes its change list's rows, a row costs a few string joins. The markup is
the same as the templates': the stylesheet, htmx and the browser tests see no difference.

* ``{% ticket_row ticket "link subject where owner countdown" members=... %}``: the cells
  named, in that order (``owner``: the owner, or "in the queue"; ``assign``: a lead's
  reassign form, listing ``members``);
* ``{% queue_row ticket is_lead=... members=... %}``: a row of a tier's queue, with the
  claim button for whoever may claim it (and the claim's outcome, after an htmx claim).
"""

from collections.abc import Callable

from django import template
from django.middleware.csrf import get_token
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from core import display
from tickets import rules
from tickets.templatetags.tierdesk import countdown, member_options, ticket_link, url_of

register = template.Library()


def _csrf_input(context) -> SafeString:
    """What ``{% csrf_token %}`` writes, with the token the rest of the page uses."""
    token = context.get("csrf_token")
    if token is None:
        token = get_token(context["request"])
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', str(token))


def _subject(context, ticket) -> SafeString:
    return format_html("{}<br><small>{}</small>", ticket.subject, ticket.customer.name)


def _where(context, ticket) -> SafeString:
    return format_html("{} · {}", ticket.department.name, ticket.tier.name)


def _owner(context, ticket) -> SafeString:
    if ticket.owner_id:
        return conditional_escape(display.person(ticket.owner))
    return format_html("<em>{}</em>", _("in the queue"))


def assign_form(context, ticket, members) -> SafeString:
    """A lead's inline "assign to" form (``member_options``: every member but the owner)."""
    return format_html(
        '<form method="post" action="{}" class="inline assign">\n'
        '  {}<input type="hidden" name="next" value="{}">\n'
        '  <label class="visually-hidden" for="assign-{}">{}</label>\n'
        '  <select name="to" id="assign-{}" required>\n'
        '    <option value="">{}</option>\n'
        "    {}\n"
        "  </select>\n"
        '  <button type="submit" class="small">{}</button>\n'
        "</form>",
        url_of("ticket-assign", ticket.reference),
        _csrf_input(context), url_of("home"),
        ticket.pk, _("Assign %(ref)s to") % {"ref": ticket.reference},
        ticket.pk, _("— member —"),
        member_options(context, members, ticket.owner_id),
        _("Assign"),
    )


CELLS: dict[str, Callable[..., SafeString]] = {
    "link": lambda context, ticket: ticket_link(ticket),
    "subject": _subject,
    "where": _where,
    "owner": _owner,
    "countdown": countdown,
}


@register.simple_tag(takes_context=True)
def ticket_row(context, ticket, cells: str, members=None) -> SafeString:
    """``<tr>`` with the named cells of ``ticket``; ``assign`` needs ``members``."""
    parts = []
    for name in cells.split():
        if name == "assign":
            parts.append(assign_form(context, ticket, members or []))
        else:
            parts.append(CELLS[name](context, ticket))
    return format_html(
        "<tr>\n{}\n</tr>", format_html_join("\n", "  <td>{}</td>", ((part,) for part in parts))
    )


@register.simple_tag(takes_context=True)
def queue_row(context, ticket, is_lead=False, members=None, message=None, ok=False) -> SafeString:
    """A row of a tier's queue: the owner once claimed, else the claim button for whoever
    may claim (``tickets.rules.may_claim``); a lead also gets the assign form."""
    actions = []
    if message:
        actions.append(format_html(
            '<p class="{}" role="status">{}</p>', "ok-text" if ok else "error-text", message
        ))
    if ticket.owner_id:
        actions.append(format_html(
            '<span class="owner">{}</span>',
            _("Owner: %(owner)s") % {"owner": display.person(ticket.owner)},
        ))
    elif rules.may_claim(context["request"].user, ticket):
        claim_url = url_of("ticket-claim", ticket.reference)
        actions.append(format_html(
            '<form method="post" action="{}" class="inline"\n'
            '          hx-post="{}" hx-target="#queue-row-{}" hx-swap="outerHTML">\n'
            '      {}<button type="submit" class="primary small">{}</button>\n'
            "    </form>",
            claim_url, claim_url, ticket.pk, _csrf_input(context), _("Claim"),
        ))
    if is_lead and ticket.is_open:
        actions.append(assign_form(context, ticket, members or []))
    return format_html(
        '<tr id="queue-row-{}">\n'
        "  <td>{}</td>\n"
        "  <td>{}</td>\n"
        '  <td><span class="priority priority--{}">{}</span></td>\n'
        "  <td>{}</td>\n"
        '  <td class="actions">\n    {}\n  </td>\n'
        "</tr>",
        ticket.pk, ticket_link(ticket), _subject(context, ticket),
        ticket.priority, ticket.priority_label, countdown(context, ticket),
        mark_safe("\n    ".join(actions)),
    )
