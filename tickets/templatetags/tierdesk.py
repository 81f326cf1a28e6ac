"""Template helpers for the agent screens: countdowns, names and the user's role."""

from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from core import display
from core.display import span
from departments.queries import memberships_of
from departments.roles import is_manager
from tickets import rules
from tickets.models import format_reference

register = template.Library()

# Under this much time left, a countdown turns "soon" (amber and worded as such).
SOON = timedelta(hours=4)


def countdown_state(ticket, now=None) -> dict:
    """Return the countdown's css class ("ok", "soon", "late", "done") and its words."""
    now = now or timezone.now()
    if not ticket.is_open:
        return {"css": "done", "text": _("resolved")}
    left = ticket.due_at - now
    if ticket.breached:
        return {"css": "late", "text": _("breached, overdue %(t)s") % {"t": span(left)}}
    if left <= timedelta(0):
        return {"css": "late", "text": _("overdue %(t)s") % {"t": span(left)}}
    css = "soon" if left < SOON else "ok"
    return {"css": css, "text": _("%(t)s left") % {"t": span(left)}}


@register.inclusion_tag("tickets/partials/countdown.html")
def countdown(ticket):
    return {"ticket": ticket, **countdown_state(ticket)}


@register.filter
def person(user) -> str:
    """The user's name as the display policy says (``core.display.person``)."""
    return display.person(user)


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
