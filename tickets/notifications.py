"""What people are told when a ticket moves. Called inside the action's transaction.

The words are templates (``templates/emails/``), rendered by ``outbox.rendering`` in each
recipient's language (``departments.mail``).
"""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy

from departments.mail import languages_of_addresses, queue_staff_email, staff_emails
from departments.queries import lead_emails, manager_emails
from outbox.actions import queue_emails
from outbox.models import OutboundEmail
from tickets.models import Ticket, format_reference

MAX_LISTED = 50

# The outbox kinds of "a ticket arrived in your queue" (stable codes: tests, the admin and
# the outbox filter on them), each with the words its email uses.
ARRIVALS = {"passed up": gettext_lazy("passed up"), "transferred": gettext_lazy("transferred")}


def ticket_url(ticket_id: int) -> str:
    try:
        path = reverse("ticket-detail", args=[format_reference(ticket_id)])
    except Exception:
        path = f"/tickets/{format_reference(ticket_id)}/"
    return settings.TIERDESK_BASE_URL.rstrip("/") + path


def notify_assigned(ticket: Ticket, actor, assignee) -> None:
    queue_staff_email(
        "assigned", [assignee.email], {"ticket": ticket, "actor": actor, "url": ticket_url(ticket.pk)}
    )


def arrival_kind(how: str) -> str:
    """The stable kind for ``how``: "passed up" or "transferred" (never translated words)."""
    if how not in ARRIVALS:
        raise ValueError(f"Unknown way of arriving in a queue: {how!r}")
    return how


def notify_arrived_in_queue(ticket: Ticket, how: str, note: str) -> None:
    """Tell the leads of the ticket's (new) tier that it waits in their queue."""
    kind = arrival_kind(how)
    queue_staff_email(
        kind,
        lead_emails(ticket.tier_id),
        {
            "ticket": ticket,
            "kind": kind,
            "how": ARRIVALS[kind],
            "note": note,
            "url": ticket_url(ticket.pk),
        },
        template="arrived_in_queue",
    )


def _listed(tickets: list[tuple[int, str]]) -> dict:
    """The template context of a list of tickets: the first MAX_LISTED, and how many more."""
    return {
        "total": len(tickets),
        "tickets": [
            {"reference": format_reference(tid), "subject": subject, "url": ticket_url(tid)}
            for tid, subject in tickets[:MAX_LISTED]
        ],
        "more": max(len(tickets) - MAX_LISTED, 0),
    }


def escalation_emails(escalated_by_tier: dict[int, list[tuple[int, str]]], tier_names: dict[int, str]) -> list[OutboundEmail]:
    """One email per receiving tier, to its leads, listing the tickets that arrived."""
    from departments.models import Membership

    if not escalated_by_tier:
        return []
    leads: dict[int, list[str]] = {}
    for tier_id, email in (
        Membership.objects.filter(tier_id__in=escalated_by_tier, is_lead=True, user__is_active=True)
        .exclude(user__email="")
        .values_list("tier_id", "user__email")
    ):
        leads.setdefault(tier_id, []).append(email)
    spoken = languages_of_addresses(email for emails in leads.values() for email in emails)
    return [
        email
        for tier_id, tickets in escalated_by_tier.items()
        if leads.get(tier_id)
        for email in staff_emails(
            "escalated", leads[tier_id], {"tier": tier_names[tier_id], **_listed(tickets)}, spoken=spoken
        )
    ]


def breach_email(breached: list[tuple[int, str]]) -> list[OutboundEmail]:
    recipients = manager_emails()
    if not breached or not recipients:
        return []
    return staff_emails("breached", recipients, _listed(breached))


def send_sweep_notifications(escalated_by_tier, tier_names, breached) -> None:
    queue_emails(escalation_emails(escalated_by_tier, tier_names) + breach_email(breached))
