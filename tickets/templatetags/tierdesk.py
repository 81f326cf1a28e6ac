"""Template helpers for the agent screens: countdowns, names and the user's role."""

from datetime import timedelta
from functools import lru_cache

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from core import display
from core.display import span
from departments.calendars import WorkingHours, working_time_between
from departments.queries import memberships_of, working_hours_by_department
from departments.roles import is_manager
from tickets import rules
from tickets.models import format_reference

register = template.Library()

# Under this much time left, a countdown turns "soon" (amber and worded as such).
SOON = timedelta(hours=4)


def countdown_state(ticket, now=None, hours: WorkingHours | None = None) -> dict:
    """Return the countdown's css class ("ok", "soon", "late", "done") and its words.

    ``hours``: the department's working hours; the time left is then working time, said as
    such with the due instant ("3 h 10 min of working time left · due Mon 09:10").
    """
    now = now or timezone.now()
    if not ticket.is_open:
        return {"css": "done", "text": _("resolved")}
    if ticket.paused_at is not None:
        # Waiting on the customer: the clock is stopped; what counts is how long it waited.
        return {
            "css": "paused",
            "text": _("waiting on the customer for %(t)s") % {"t": span(now - ticket.paused_at)},
        }
    left = ticket.due_at - now
    if ticket.breached:
        return {"css": "late", "text": _("breached, overdue %(t)s") % {"t": span(left)}}
    if left <= timedelta(0):
        return {"css": "late", "text": _("overdue %(t)s") % {"t": span(left)}}
    if hours is not None:
        working = working_time_between(now, ticket.due_at, hours)
        css = "soon" if working < SOON else "ok"
        return {
            "css": css,
            "text": _("%(t)s of working time left · due %(due)s")
            % {"t": span(working), "due": display.deadline(ticket.due_at, now)},
        }
    css = "soon" if left < SOON else "ok"
    return {"css": css, "text": _("%(t)s left") % {"t": span(left)}}


def _working_hours_for_request(context) -> dict:
    """Every department's working hours, read once per request (24/7 ones are absent)."""
    request = context.get("request")
    memo = getattr(request, "_tierdesk_working_hours", None) if request is not None else None
    if memo is None:
        memo = working_hours_by_department()
        if request is not None:
            request._tierdesk_working_hours = memo
    return memo


@register.simple_tag(takes_context=True)
def countdown(context, ticket) -> str:
    """The ticket's time left, coloured by how close its deadline is, its due time on hover.

    Written out here rather than through a template: a queue page shows one per row, and
    rendering a template fifty times cost more than the rest of the row.
    """
    hours = _working_hours_for_request(context).get(ticket.department_id)
    state = countdown_state(ticket, hours=hours)
    return format_html(
        '<span class="countdown countdown--{}" title="{}">{}</span>',
        state["css"], display.when(ticket.due_at), state["text"],
    )


@register.simple_tag
def ticket_link(ticket) -> str:
    """The ticket's reference, linking to its page (a tag, not an include: one per row)."""
    reference = ticket.reference
    return format_html('<a class="ref" href="{}">{}</a>', url_of("ticket-detail", reference), reference)


def url_of(name: str, *args: str) -> str:
    """``reverse(name, args=args)``, remembered: a list links each row two or three times, and
    the same tickets are listed on every agent's screen all day. The script prefix and the
    URLconf in force are part of the key, so the answer is always ``reverse``'s own."""
    return _reversed(name, args, get_script_prefix(), get_urlconf())


@lru_cache(maxsize=8192)
def _reversed(name: str, args: tuple[str, ...], prefix: str, urlconf: str | None) -> str:
    return reverse(name, args=args, urlconf=urlconf)


@register.filter
def person(user) -> str:
    """The user's name as the display policy says (``core.display.person``)."""
    return display.person(user)


@register.simple_tag(takes_context=True)
def member_options(context, members, owner_id=None) -> str:
    """The ``<option>``s of an inline assign select: every member but the ticket's owner.

    A lead's home page has one select per row, up to a hundred rows, each listing the
    tier's members (64 at a large front line): rendered once per owner left out and reused,
    instead of 6,000 template loops a page.
    """
    request = context.get("request")
    cache = getattr(request, "_member_options", None) if request is not None else None
    if cache is None:
        cache = {}
        if request is not None:
            request._member_options = cache
    options = cache.get(id(members))
    if options is None:
        options = cache[id(members)] = [
            (m.pk, format_html('<option value="{}">{}</option>', m.pk, display.person(m)))
            for m in members
        ]
    return mark_safe("".join(html for pk, html in options if pk != owner_id))


@register.simple_tag
def role_label(user) -> str:
    """ "Manager", "Lead of Specialists", "Agent at Front line" (joined when several seats)."""
    if not user.is_authenticated:
        return ""
    if is_manager(user):
        return _("Manager")
    labels = []
    for m in memberships_of(user):
        if m.is_lead:
            labels.append(_("Lead of %(tier)s") % {"tier": m.tier.name})
        else:
            labels.append(_("Agent at %(tier)s") % {"tier": m.tier.name})
    return ", ".join(labels) or _("No seat in any department")


@register.filter
def is_manager_user(user) -> bool:
    return is_manager(user)


@register.filter
def reads_reports(user) -> bool:
    """Managers read every department's figures, tier leads their own department's."""
    return user.is_authenticated and (is_manager(user) or any(m.is_lead for m in memberships_of(user)))


@register.filter
def reference(ticket_id) -> str:
    """A ticket id as its reference, without loading the ticket."""
    return format_reference(int(ticket_id)) if ticket_id else ""


@register.filter
def may_claim(ticket, user) -> bool:
    """``{% if ticket|may_claim:user %}``: the claim rule the action enforces (tickets.rules)."""
    return rules.may_claim(user, ticket)
