"""Referrals through the REST API: ask another department about a ticket, list the questions,
take one and answer it.

The steps are those of the ticket moves (``tickets.api.moves``): check the body (400
naming the field), then call the ``referrals.checks`` entry point, which finds what the
user may see (404 for missing and hidden alike), refuses with 403 a user without the right
to the move (``referrals.rules``) and calls the action; the global exception handler turns
their errors into 400, 403, 404 or 409. A bad body from a user who may not act at all is
still that 404 or 403.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.fields import SlugLookupField, Text
from core.api.schema import NO_SUCH_PAGE, REFERENCE_PARAMETER, error_responses
from departments.models import Department
from referrals import checks
from referrals.models import Referral
from referrals.queries import REFERRAL_RELATED, access_referral, referral_list, referrals_of
from tickets.actions import MAX_TEXT
from tickets.api.filters import StrictBooleanFilter
from tickets.api.inputs import NO_SUCH_DEPARTMENT, ClaimInput, validated_unless_refused
from tickets.api.serializers import ReferenceField
from tickets.queries import access_ticket

REFERRAL_ID_PARAMETER = OpenApiParameter(
    "referral_id", int, OpenApiParameter.PATH, description=str(gettext_lazy("The referral's id."))
)


# --- what goes in and out --------------------------------------------------------------


class ReferInput(serializers.Serializer):
    department = SlugLookupField(
        Department.objects.all(),
        error_messages=NO_SUCH_DEPARTMENT,
        help_text=gettext_lazy("The slug of the department asked; not the ticket's own."),
    )
    question = Text(max_length=MAX_TEXT, help_text=gettext_lazy("What you need to know."))


class AnswerInput(serializers.Serializer):
    answer = Text(max_length=MAX_TEXT, help_text=gettext_lazy("The answer; it is final."))


@extend_schema_field(OpenApiTypes.BOOL)
class OverdueField(serializers.Field):
    """Whether the referral is unanswered past its due time, at the moment of the answer."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        kwargs["source"] = "*"
        super().__init__(**kwargs)

    def to_representation(self, referral):
        return referral.is_overdue(self.context.get("now"))


@extend_schema_serializer(component_name="Referral")
class ReferralOutput(serializers.ModelSerializer):
    ticket = ReferenceField(source="ticket_id")
    department = serializers.CharField(source="department.slug", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)
    asked_by = serializers.CharField(source="asked_by.username", read_only=True)
    claimed_by = serializers.CharField(
        source="claimed_by.username", read_only=True, allow_null=True
    )
    answered_by = serializers.CharField(
        source="answered_by.username", read_only=True, allow_null=True
    )
    is_open = serializers.BooleanField(read_only=True, help_text=gettext_lazy("Not answered yet."))
    is_overdue = OverdueField(help_text=gettext_lazy("Not answered and past due_at."))

    class Meta:
        model = Referral
        fields = [
            "id",
            "ticket",
            "department",
            "department_name",
            "question",
            "asked_by",
            "asked_at",
            "due_at",
            "claimed_by",
            "claimed_at",
            "answer",
            "answered_by",
            "answered_at",
            "is_open",
            "is_overdue",
        ]
        read_only_fields = fields


def referral_response(
    request: Request, referral: Referral, *, status_code=status.HTTP_200_OK
) -> Response:
    """Answer with the referral as it is now, read again with everything the JSON shows."""
    fresh = Referral.objects.select_related(*REFERRAL_RELATED).get(pk=referral.pk)
    return Response(
        ReferralOutput(fresh, context={"request": request, "now": timezone.now()}).data,
        status=status_code,
    )


class ReferralFilter(filters.FilterSet):
    department = filters.CharFilter(
        field_name="department__slug",
        max_length=60,
        help_text=gettext_lazy("The asked department's slug."),
    )
    open = StrictBooleanFilter(
        method="filter_open", help_text=gettext_lazy("true: unanswered; false: answered.")
    )
    overdue = StrictBooleanFilter(
        method="filter_overdue",
        help_text=gettext_lazy("true: unanswered and past due; false: the others."),
    )

    class Meta:
        model = Referral
        fields = ["department", "open", "overdue"]

    def filter_open(self, queryset, name, value):
        return queryset.filter(answered_at__isnull=value)

    def filter_overdue(self, queryset, name, value):
        late = {"answered_at__isnull": True, "due_at__lte": timezone.now()}
        return queryset.filter(**late) if value else queryset.exclude(**late)


# --- the endpoints -------------------------------------------------------------------------


class TicketReferralsApi(APIView):
    @extend_schema(
        operation_id="tickets_referrals_list",
        summary="The ticket's questions to other departments",
        parameters=[REFERENCE_PARAMETER],
        responses={200: ReferralOutput(many=True), **error_responses(401, 404)},
    )
    def get(self, request: Request, reference: str) -> Response:
        ticket = access_ticket(request.user, reference)
        referrals = referrals_of(ticket).select_related("ticket")
        context = {"request": request, "now": timezone.now()}
        return Response(ReferralOutput(referrals, many=True, context=context).data)

    @extend_schema(
        operation_id="tickets_referrals_create",
        summary="Ask another department about the ticket",
        description=(
            "The ticket's owner (or a manager) asks another department a question. The ticket "
            "keeps its owner, tier and clock; the department's leads are emailed and the answer "
            "is due within the department's response time."
        ),
        parameters=[REFERENCE_PARAMETER],
        request=ReferInput,
        responses={
            201: ReferralOutput,
            **error_responses(
                400,
                401,
                403,
                404,
                409,
                e400="Unknown department, the ticket's own department, or no question.",
                e403="Only the ticket's owner or a manager asks.",
                e409="The ticket is resolved.",
            ),
        },
    )
    def post(self, request: Request, reference: str) -> Response:
        user = request.user
        data = validated_unless_refused(
            ReferInput, request, lambda: checks.ticket_for_referring(user, reference)
        )
        referral = checks.check_refer_ticket(
            user, reference, department=data["department"], question=data["question"]
        )
        return referral_response(request, referral, status_code=status.HTTP_201_CREATED)


class ReferralsApi(generics.ListAPIView):
    """Questions on tickets the user may read, and every question to the user's departments."""

    serializer_class = ReferralOutput
    filterset_class = ReferralFilter

    def get_queryset(self):
        return referral_list(self.request.user).order_by("due_at", "id")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    @extend_schema(
        operation_id="referrals_list",
        summary="List referrals",
        description=(
            "Referrals on tickets you may read and every referral to your departments, the one "
            "due first first. Filter by `department`, `open` and `overdue`."
        ),
        responses={
            200: ReferralOutput(many=True),
            **error_responses(400, 401, 404, e404=NO_SUCH_PAGE),
        },
    )
    def get(self, request: Request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ReferralApi(APIView):
    @extend_schema(
        operation_id="referrals_retrieve",
        summary="Read one referral",
        parameters=[REFERRAL_ID_PARAMETER],
        responses={
            200: ReferralOutput,
            **error_responses(401, 404, e404="No such referral, or out of your sight."),
        },
    )
    def get(self, request: Request, referral_id: str) -> Response:
        return referral_response(request, access_referral(request.user, referral_id))


class ReferralClaimApi(APIView):
    @extend_schema(
        operation_id="referrals_claim",
        summary="Take a referral",
        description="A member of the asked department takes the question, so colleagues know it is in hand.",
        parameters=[REFERRAL_ID_PARAMETER],
        request=None,
        responses={
            200: ReferralOutput,
            **error_responses(
                400,
                401,
                403,
                404,
                409,
                e403="Only members of the asked department (and managers) take its questions.",
                e404="No such referral, or out of your sight.",
                e409='Someone took it first (`already_claimed`: "Already claimed by ..."), you took it '
                "already, it is answered, or its ticket is resolved.",
            ),
        },
    )
    def post(self, request: Request, referral_id: str) -> Response:
        user = request.user
        validated_unless_refused(
            ClaimInput, request, lambda: checks.referral_for(user, referral_id, "claim")
        )
        return referral_response(request, checks.check_claim_referral(user, referral_id))


class ReferralAnswerApi(APIView):
    @extend_schema(
        operation_id="referrals_answer",
        summary="Answer a referral",
        description=(
            "A member of the asked department answers; the answer is final and the ticket's owner "
            "is emailed. Someone else's question may be answered only by a lead of the department "
            "or a manager."
        ),
        parameters=[REFERRAL_ID_PARAMETER],
        request=AnswerInput,
        responses={
            200: ReferralOutput,
            **error_responses(
                400,
                401,
                403,
                404,
                409,
                e403="Only members of the asked department (and managers) answer its questions.",
                e404="No such referral, or out of your sight.",
                e409="Answered already (answers are final), taken by a colleague, or the ticket is resolved.",
            ),
        },
    )
    def post(self, request: Request, referral_id: str) -> Response:
        user = request.user
        data = validated_unless_refused(
            AnswerInput, request, lambda: checks.referral_for(user, referral_id, "answer")
        )
        referral = checks.check_answer_referral(user, referral_id, answer=data["answer"])
        return referral_response(request, referral)
