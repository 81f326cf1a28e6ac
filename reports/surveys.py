"""Satisfaction surveys: inviting the customer when a ticket is resolved, and their answer.

The link carries a random token (256 bits from ``secrets.token_urlsafe(32)``) next to the
ticket's reference; only the token's SHA-256 is stored (the email's copy of the link is
removed from the outbox once it is sent, ``outbox.actions.secret_link``). It works once,
for that ticket, until it expires, and grants nothing else.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from outbox.actions import queue_email, secret_link
from outbox.rendering import render_email
from reports.models import REASON_FIELDS, SurveyInvitation, SurveyResponse, hash_token
from tickets.models import Ticket, parse_reference


class SurveyUnavailable(Exception):
    """The link is known but can no longer be answered (``reason``: "used" or "expired")."""

    def __init__(self, reason: str, invitation: SurveyInvitation):
        self.reason = reason
        self.invitation = invitation
        super().__init__(reason)


def survey_valid_for() -> timedelta:
    return timedelta(days=getattr(settings, "TIERDESK_SURVEY_VALID_DAYS", 14))


def survey_url(ticket: Ticket, token: str) -> str:
    path = reverse("survey", kwargs={"reference": ticket.reference, "token": token})
    return settings.TIERDESK_BASE_URL.rstrip("/") + path


def do_invite_to_survey(ticket: Ticket, *, now=None) -> tuple[SurveyInvitation, str] | None:
    """Create the ticket's survey and queue the email with its link (sent after commit).

    Returns the invitation and the plain token (which exists nowhere else), or None when
    the customer has no email address or the ticket already has a survey.
    """
    email = (ticket.customer.email or "").strip()
    if not email or SurveyInvitation.objects.filter(ticket=ticket).exists():
        return None
    now = now or ticket.resolved_at or timezone.now()
    token = secrets.token_urlsafe(32)
    invitation = SurveyInvitation.objects.create(
        ticket=ticket,
        token_hash=hash_token(token),
        email=email,
        created_at=now,
        expires_at=now + survey_valid_for(),
    )
    subject, body = render_email(
        "survey",
        {
            "ticket": ticket,
            # Only the hash is kept: the outbox drops the link once the email is sent.
            "url": secret_link(survey_url(ticket, token)),
            "expires_at": invitation.expires_at,
        },
        language=ticket.customer.language,
    )
    queue_email("survey", [email], subject, body)
    return invitation, token


def on_ticket_resolved(sender, ticket, actor, **kwargs) -> None:
    """Receiver of ``tickets.signals.ticket_resolved`` (runs inside the resolving transaction)."""
    do_invite_to_survey(ticket)


def access_survey(
    reference: str, token: str, *, now=None, for_update: bool = False
) -> SurveyInvitation:
    """Return the open invitation behind a link.

    Raises SurveyInvitation.DoesNotExist for an unknown token or one that belongs to another
    ticket (the same answer for both, so nothing can be probed), and SurveyUnavailable for
    a used or expired link.
    """
    ticket_id = parse_reference(reference)
    if ticket_id is None or not token or len(token) > 200:
        raise SurveyInvitation.DoesNotExist
    invitations = SurveyInvitation.objects.select_related("ticket", "ticket__customer")
    if for_update:
        invitations = invitations.select_for_update(of=("self",))
    invitation = invitations.filter(token_hash=hash_token(token), ticket_id=ticket_id).first()
    if invitation is None:
        raise SurveyInvitation.DoesNotExist
    if invitation.is_used:
        raise SurveyUnavailable("used", invitation)
    if invitation.is_expired(now):
        raise SurveyUnavailable("expired", invitation)
    return invitation


def do_answer_survey(
    reference: str, token: str, *, rating: int, reasons: list[str], comment: str, now=None
) -> SurveyResponse:
    """Store the customer's answer and close the link, exactly once even if sent twice at once."""
    now = now or timezone.now()
    with transaction.atomic():
        invitation = access_survey(reference, token, now=now, for_update=True)
        response = SurveyResponse.objects.create(
            ticket=invitation.ticket,
            rating=rating,
            comment=comment.strip(),
            answered_at=now,
            **{field: value in reasons for value, field in REASON_FIELDS.items()},
        )
        SurveyInvitation.objects.filter(pk=invitation.pk).update(used_at=now)
    return response
