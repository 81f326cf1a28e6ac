"""The moves on a ticket: one endpoint each, answering with the ticket as it is afterwards.

Each endpoint checks the body (400 naming the field), then calls the move's
``tickets.checks`` entry point: 404 for a missing ticket and for one out of the user's
sight alike, 403 for a user without the right to the move (``tickets.rules``), then the
action, which locks the row and re-checks everything; its errors become 400, 403 or 409
(``core.api``'s exception handler). A bad body from a user who may not make the move at all
is still that 404 or 403, as on the agent screens: the refusal never depends on the body.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.schema import REFERENCE_PARAMETER, error_responses
from tickets import checks
from tickets.api.common import ticket_response
from tickets.api.inputs import (
    AssignInput,
    ClaimInput,
    NoteInput,
    PassUpInput,
    PauseInput,
    ReleaseInput,
    ResolveInput,
    ResumeInput,
    TransferInput,
    validated_unless_refused,
)
from tickets.api.serializers import NoteOutput, TicketOutput


def _body(input_class, request: Request, reference: str, move: str) -> dict:
    return validated_unless_refused(
        input_class, request, lambda: checks.ticket_for_move(request.user, reference, move)
    )


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
        _body(ClaimInput, request, reference, "claim")
        ticket = checks.check_claim_ticket(request.user, reference)
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
        data = _body(ReleaseInput, request, reference, "release")
        ticket = checks.check_release_ticket(request.user, reference, note=data["note"])
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
        data = _body(AssignInput, request, reference, "assign")
        ticket = checks.check_assign_ticket(request.user, reference, to=data["to"], note=data["note"])
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
        data = _body(PassUpInput, request, reference, "pass")
        ticket = checks.check_pass_up(request.user, reference, note=data["note"])
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
        data = _body(TransferInput, request, reference, "transfer")
        ticket = checks.check_transfer_ticket(
            request.user, reference, department=data["department"], note=data["note"]
        )
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
        data = _body(ResolveInput, request, reference, "resolve")
        ticket = checks.check_resolve_ticket(request.user, reference, resolution=data["resolution"])
        return ticket_response(request, ticket)


class PauseApi(APIView):
    @_move_schema(
        "tickets_pause",
        "Wait on the customer: stop the tier's clock",
        PauseInput,
        e409="The ticket waits on the customer already (`paused`), its time has run out"
        " (`already_due`), nobody owns it, or it is resolved.",
        description="The owner or a manager, saying what was asked of the customer. The working"
        " time left is kept; the sweep leaves the ticket alone until it resumes.",
    )
    def post(self, request: Request, reference: str) -> Response:
        data = _body(PauseInput, request, reference, "pause")
        ticket = checks.check_pause_ticket(request.user, reference, reason=data["reason"])
        return ticket_response(request, ticket)


class ResumeApi(APIView):
    @_move_schema(
        "tickets_resume",
        "Resume the tier's clock",
        ResumeInput,
        e409="The ticket is not waiting on the customer (`not_paused`), or it is resolved.",
        description="The owner or a manager. The clock restarts with the working time that was"
        " left when it stopped.",
    )
    def post(self, request: Request, reference: str) -> Response:
        data = _body(ResumeInput, request, reference, "resume")
        ticket = checks.check_resume_ticket(request.user, reference, note=data["note"])
        return ticket_response(request, ticket)


class NotesApi(APIView):
    @extend_schema(
        operation_id="tickets_notes_create",
        summary="Add a note to the ticket",
        description="Anyone who can read an open ticket. A note never moves the ticket or its"
        " clock, but the customer's answer (`customer_answer`) restarts the clock of a ticket"
        " waiting on the customer.",
        parameters=[REFERENCE_PARAMETER],
        request=NoteInput,
        responses={
            201: NoteOutput,
            **error_responses(400, 401, 404, 409, e409="The ticket is resolved."),
        },
    )
    def post(self, request: Request, reference: str) -> Response:
        data = _body(NoteInput, request, reference, "note")
        note = checks.check_add_note(
            request.user, reference, body=data["body"], internal=data["internal"],
            customer_answer=data["customer_answer"],
        )
        return Response(NoteOutput(note).data, status=status.HTTP_201_CREATED)
