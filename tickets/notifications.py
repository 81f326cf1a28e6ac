"""What people are told when a ticket moves. Called inside the action's transaction."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from departments.queries import lead_emails, manager_emails
from outbox.actions import queue_email, queue_emails
from outbox.models import OutboundEmail
from tickets.models import Ticket

MAX_LISTED = 50


def ticket_url(ticket_id: int) -> str:
    from tickets.models import format_reference

    try:
        path = reverse("ticket-detail", args=[format_reference(ticket_id)])
    except Exception:
        path = f"/tickets/{format_reference(ticket_id)}/"
    return settings.TIERDESK_BASE_URL.rstrip("/") + path


def notify_assigned(ticket: Ticket, actor, assignee) -> None:
    queue_email(
        "assigned",
        [assignee.email],
        _("%(ref)s assigned to you: %(subject)s") % {"ref": ticket.reference, "subject": ticket.subject},
        _("%(actor)s assigned ticket %(ref)s to you.\n\n%(url)s")
        % {"actor": actor.get_full_name() or actor.username, "ref": ticket.reference, "url": ticket_url(ticket.pk)},
    )


def notify_arrived_in_queue(ticket: Ticket, how: str, note: str) -> None:
    """Tell the leads of the ticket's (new) tier that it waits in their queue."""
    queue_email(
        how,
        lead_emails(ticket.tier_id),
        _("%(ref)s is waiting in %(tier)s: %(subject)s")
        % {"ref": ticket.reference, "tier": ticket.tier.name, "subject": ticket.subject},
        _("Ticket %(ref)s arrived in the %(tier)s queue of %(department)s (%(how)s).\n\n%(note)s\n\n%(url)s")
        % {
            "ref": ticket.reference, "tier": ticket.tier.name, "department": ticket.department.name,
            "how": how, "note": note, "url": ticket_url(ticket.pk),
        },
    )


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
    emails = []
    for tier_id, tickets in escalated_by_tier.items():
        if not leads.get(tier_id):
            continue
        lines = [f"{_ref(tid)}  {subject}  {ticket_url(tid)}" for tid, subject in tickets[:MAX_LISTED]]
        if len(tickets) > MAX_LISTED:
            lines.append(_("… and %(n)d more.") % {"n": len(tickets) - MAX_LISTED})
        emails.append(
            OutboundEmail(
                kind="escalated",
                recipients=sorted(set(leads[tier_id])),
                subject=_("%(n)d ticket(s) escalated to %(tier)s")
                % {"n": len(tickets), "tier": tier_names[tier_id]},
                body=_("These tickets ran out of time at the tier below and now wait in your queue:\n\n")
                + "\n".join(lines),
            )
        )
    return emails


def breach_email(breached: list[tuple[int, str]]) -> list[OutboundEmail]:
    recipients = manager_emails()
    if not breached or not recipients:
        return []
    lines = [f"{_ref(tid)}  {subject}  {ticket_url(tid)}" for tid, subject in breached[:MAX_LISTED]]
    if len(breached) > MAX_LISTED:
        lines.append(_("… and %(n)d more.") % {"n": len(breached) - MAX_LISTED})
    return [
        OutboundEmail(
            kind="breached",
            recipients=sorted(set(recipients)),
            subject=_("%(n)d ticket(s) breached at the top tier") % {"n": len(breached)},
            body=_("These tickets ran out of time at the top tier of their department:\n\n") + "\n".join(lines),
        )
    ]


def send_sweep_notifications(escalated_by_tier, tier_names, breached) -> None:
    queue_emails(escalation_emails(escalated_by_tier, tier_names) + breach_email(breached))


def _ref(ticket_id: int) -> str:
    from tickets.models import format_reference

    return format_reference(ticket_id)
