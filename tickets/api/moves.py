"""The moves on a ticket: one endpoint each, answering with the ticket as it is afterwards.

Each endpoint runs the same steps, in this order:
1. ``access_ticket``: 404 for a missing ticket and for one out of the user's sight alike;
2. refuse (403) a user who may never make this move on this ticket, whatever its state or
   the body says, as the agent screens do;
3. check the body (400 naming the field);
4. call the ``tickets.actions`` function, which locks the row and re-checks everything:
   its errors become 400, 403 or 409 (``tickets.api.errors``).
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.schema import REFERENCE_PARAMETER, error_responses
from core.errors import NotAllowed
from departments.roles import is_manager
from tickets import actions
from tickets.api.common import ticket_response, validated
from tickets.api.inputs import (
    AssignInput,
    ClaimInput,
    NoteInput,
    PassUpInput,
    ReleaseInput,
    ResolveInput,
    TransferInput,
)
from tickets.api.serializers import NoteOutput, TicketOutput
from tickets.queries import access_ticket
from tickets.transitions import is_lead_of_tier, is_member_of_tier


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise NotAllowed(message)


def _owner_or_manager(user, ticket) -> bool:
    return ticket.owner_id == user.pk or is_manager(user)


def _move_schema(operation_id: str, summary: str, request, *, e409: str, description: str = ""):
    return extend_schema(
        operation_id=operation_id,
        summary=summary,
        description=description,
        parameters=[REFERENCE_PARAMETER],
        request=request,
        responses={200: TicketOutput, **error_responses(400, 401, 403, 404, 409, e409=e409)},
    )


class ClaimApi(APIView):
    @_move_schema(
        "tickets_claim",
        "Claim the ticket",
        None,
        e409='Someone claimed it first (`already_claimed`: "Already claimed by ..."), '
        "you own it already, or the ticket is resolved.",
        description="Take an unowned ticket from its tier's queue. Members of the tier and managers only.",
    )
    def post(self, request: Request, reference: str) -> Response:
        user = request.user
        ticket = access_ticket(user, reference)
        _require(
            is_member_of_tier(user, ticket.tier_id) or is_manager(user),
            _("Only members of %(tier)s can claim its tickets.") % {"tier": ticket.tier.name},
        )
        validated(ClaimInput, request)
        actions.do_claim_ticket(ticket, user)
        return ticket_response(request, ticket)


class ReleaseApi(APIView):
    @_move_schema(
        "tickets_release",
        "Release the ticket back to its tier's queue",
        ReleaseInput,
        e409="Nobody owns the ticket, or it is resolved.",
        description="The owner, a lead of the tier or a manager. The tier's clock keeps running.",
    )
    def post(self, request: Request, reference: str) -> Response:
        user = request.user
        ticket = access_ticket(user, reference)
        _require(
            _owner_or_manager(user, ticket) or is_lead_of_tier(user, ticket.tier_id),
            _("Only the owner or a lead of the tier can release this ticket."),
        )
        data = validated(ReleaseInput, request)
        actions.do_release_ticket(ticket, user, note=data["note"])
        return ticket_response(request, ticket)


class AssignApi(APIView):
    @_move_schema(
        "tickets_assign",
        "Assign the ticket to a member of its tier",
        AssignInput,
        e409="That person owns it already, or the ticket is resolved.",
        description="Leads of the ticket's tier and managers. `to` must be a member of the tier (400 otherwise).",
    )
    def post(self, request: Request, reference: str) -> Response:
        user = request.user
        ticket = access_ticket(user, reference)
        _require(
            is_lead_of_tier(user, ticket.tier_id) or is_manager(user),
            _("Only a lead of %(tier)s can assign its tickets.") % {"tier": ticket.tier.name},
        )
        data = validated(AssignInput, request)
        actions.do_assign_ticket(ticket, user, data["to"], note=data["note"])
        return ticket_response(request, ticket)


class PassUpApi(APIView):
    @_move_schema(
        "tickets_pass",
        "Pass the ticket up to the next tier",
        PassUpInput,
        e409="The ticket is at its department's top tier, or it is resolved.",
        description="The owner or a manager, saying what was tried. The next tier's clock starts now.",
    )
    def post(self, request: Request, reference: str) -> Response:
        user = request.user
        ticket = access_ticket(user, reference)
        _require(_owner_or_manager(user, ticket), _("Only the ticket's owner can pass it up."))
        data = validated(PassUpInput, request)
        actions.do_pass_up(ticket, user, note=data["note"])
        return ticket_response(request, ticket)


class TransferApi(APIView):
    @_move_schema(
        "tickets_transfer",
        "Transfer the ticket to another department",
        TransferInput,
        e409="The ticket is resolved.",
        description="The owner or a manager. The ticket enters the department's first tier; its clock starts now.",
    )
    def post(self, request: Request, reference: str) -> Response:
        user = request.user
        ticket = access_ticket(user, reference)
        _require(_owner_or_manager(user, ticket), _("Only the ticket's owner can transfer it."))
        data = validated(TransferInput, request)
        actions.do_transfer_ticket(ticket, user, department=data["department"], note=data["note"])
        # The answer is still readable: whoever hands a ticket on keeps it in sight.
        return ticket_response(request, ticket)


class ResolveApi(APIView):
    @_move_schema(
        "tickets_resolve",
        "Resolve the ticket for good",
        ResolveInput,
        e409="The ticket is resolved already.",
        description="The owner or a manager. A resolved ticket never changes again.",
    )
    def post(self, request: Request, reference: str) -> Response:
        user = request.user
        ticket = access_ticket(user, reference)
        _require(_owner_or_manager(user, ticket), _("Only the ticket's owner can resolve it."))
        data = validated(ResolveInput, request)
        actions.do_resolve_ticket(ticket, user, resolution=data["resolution"])
        return ticket_response(request, ticket)


class NotesApi(APIView):
    @extend_schema(
        operation_id="tickets_notes_create",
        summary="Add a note to the ticket",
        description="Anyone who can read an open ticket. A note never moves the ticket or its clock.",
        parameters=[REFERENCE_PARAMETER],
        request=NoteInput,
        responses={
            201: NoteOutput,
            **error_responses(400, 401, 404, 409, e409="The ticket is resolved."),
        },
    )
    def post(self, request: Request, reference: str) -> Response:
        user = request.user
        ticket = access_ticket(user, reference, related=())
        data = validated(NoteInput, request)
        note = actions.do_add_note(ticket, user, body=data["body"], internal=data["internal"])
        return Response(NoteOutput(note).data, status=status.HTTP_201_CREATED)
