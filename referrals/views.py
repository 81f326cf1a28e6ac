"""Referrals in the browser: asking another department from a ticket, the departments'
queue of questions, claiming one and answering it.

The writes go through ``referrals.checks``, whose actions lock the row and re-check
everything; what each card offers comes from the same predicates (``referrals.rules``). As
for the ticket moves, a user without the right to the move gets a 403 first, whatever the
form says (a forged POST).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.display import person
from core.errors import Conflict, InvalidInput, NotAllowed
from core.http import forbidden, put_on_form, safe_next
from departments.queries import department_ids_of
from departments.roles import is_manager
from referrals import checks, forms
from referrals.errors import ReferralNotFound
from referrals.queries import access_referral, referral_list
from referrals.rules import may_answer_referral, may_claim_referral
from referrals.ticket_page import REFER_AUTO_ID
from tickets.errors import TicketNotFound
from tickets.views.common import get_ticket
from tickets.views.ticket_page import render_ticket_page

PAGE_SIZE = 50


def get_referral(user, referral_id):
    try:
        return access_referral(user, referral_id)
    except ReferralNotFound as exc:
        raise Http404(exc.message) from exc


def decorate(user, referrals, now=None) -> list:
    """Set what each card shows: overdue, and whether this user may claim or answer it."""
    now = now or timezone.now()
    referrals = list(referrals)
    for referral in referrals:
        referral.overdue = referral.is_overdue(now)
        referral.can_claim = may_claim_referral(user, referral)
        referral.can_answer = may_answer_referral(user, referral)
    return referrals


@require_POST
@login_required
def refer_ticket(request, reference):
    """The owner asks another department a question from the ticket page."""
    user = request.user
    # The owner (or a manager) asks; whether the ticket is still open is the action's 409.
    # Refused before the form is read, which needs the ticket (not its own department).
    try:
        ticket = checks.ticket_for_referring(user, reference)
    except TicketNotFound as exc:
        raise Http404(exc.message) from exc
    except NotAllowed as exc:
        return forbidden(request, exc)
    form = forms.ReferForm(request.POST, ticket=ticket, auto_id=REFER_AUTO_ID)
    if form.is_valid():
        try:
            referral = checks.check_refer_ticket(
                user,
                ticket.pk,
                department=form.cleaned_data["department"],
                question=form.cleaned_data["question"],
            )
        except TicketNotFound as exc:
            raise Http404(exc.message) from exc
        except NotAllowed as exc:
            return forbidden(request, exc)
        except InvalidInput as exc:
            put_on_form(form, exc)
        except Conflict as exc:
            return render_ticket_page(
                request, get_ticket(user, ticket.pk), error=exc.message, status=409
            )
        else:
            messages.success(
                request,
                _("Asked %(department)s. The answer will appear on this ticket.")
                % {"department": referral.department.name},
            )
            return redirect(reverse("ticket-detail", args=[ticket.reference]) + "#referrals")
    return render_ticket_page(request, ticket, bound={"refer": form}, status=400)


def filtered_referrals(user, data: dict, now):
    referrals = referral_list(user)
    department = data.get("department")
    if department is not None:
        referrals = referrals.filter(department=department)
    elif not is_manager(user):
        # "My departments" by default; a manager sees every department's questions.
        referrals = referrals.filter(department_id__in=department_ids_of(user))
    state = data.get("state") or "open"
    if state == "open":
        referrals = referrals.filter(answered_at__isnull=True).order_by("due_at", "id")
    elif state == "overdue":
        referrals = referrals.filter(answered_at__isnull=True, due_at__lte=now).order_by(
            "due_at", "id"
        )
    elif state == "answered":
        referrals = referrals.filter(answered_at__isnull=False).order_by("-answered_at", "-id")
    else:
        referrals = referrals.order_by("-asked_at", "-id")
    return referrals


@require_GET
@login_required
def referral_queue(request):
    """Questions to my departments: open first, with filters open/overdue/answered/department."""
    user = request.user
    now = timezone.now()
    form = forms.ReferralFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    page = Paginator(filtered_referrals(user, data, now), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    page.object_list = decorate(user, page.object_list, now)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "referrals/queue.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "answer_form": forms.AnswerReferralForm(),
            "has_departments": bool(department_ids_of(user)) or is_manager(user),
        },
    )


@require_GET
@login_required
def referral_detail(request, referral_id):
    referral = get_referral(request.user, referral_id)
    return _referral_page(request, referral)


def _referral_page(request, referral, *, form=None, error=None, status=200):
    referral = decorate(request.user, [referral])[0]
    return render(
        request,
        "referrals/detail.html",
        {
            "referral": referral,
            "answer_form": form or forms.AnswerReferralForm(),
            "error": error,
            # After a claim from this page, come back to it (not to the POST address).
            "next": reverse("referral-detail", args=[referral.pk]),
        },
        status=status,
    )


def _card(request, referral, *, message=None, ok=False):
    """One referral's card after an htmx claim: the winner sees it is theirs, the colleague
    who lost the race sees who got it."""
    fresh = get_referral(request.user, referral.pk)
    return render(
        request,
        "referrals/partials/referral_card.html",
        {
            "referral": decorate(request.user, [fresh])[0],
            "answer_form": forms.AnswerReferralForm(),
            "card_message": message,
            "card_ok": ok,
            "next": safe_next(request, reverse("referral-queue")),
        },
    )


@require_POST
@login_required
def claim_referral(request, referral_id):
    user = request.user
    try:
        referral = checks.check_claim_referral(user, referral_id)
    except ReferralNotFound as exc:
        raise Http404(exc.message) from exc
    except NotAllowed as exc:
        return forbidden(request, exc)
    except Conflict as exc:
        referral = get_referral(user, referral_id)
        if request.htmx:
            return _card(request, referral, message=exc.message)
        return _referral_page(request, referral, error=exc.message, status=409)
    if request.htmx:
        return _card(request, referral, message=_("Taken: it is yours to answer."), ok=True)
    messages.success(request, _("Taken: it is yours to answer."))
    return redirect(safe_next(request, reverse("referral-detail", args=[referral.pk])))


@require_POST
@login_required
def answer_referral(request, referral_id):
    user = request.user
    form = forms.AnswerReferralForm(request.POST)
    if form.is_valid():
        try:
            referral = checks.check_answer_referral(
                user, referral_id, answer=form.cleaned_data["answer"]
            )
        except ReferralNotFound as exc:
            raise Http404(exc.message) from exc
        except NotAllowed as exc:
            return forbidden(request, exc)
        except InvalidInput as exc:
            put_on_form(form, exc)
        except Conflict as exc:
            return _referral_page(
                request, get_referral(user, referral_id), error=exc.message, status=409
            )
        else:
            messages.success(
                request,
                _("Answered. %(owner)s sees it on %(ref)s.")
                % {
                    "owner": person(referral.ticket.owner)
                    if referral.ticket.owner_id
                    else _("The ticket's owner"),
                    "ref": referral.ticket.reference,
                },
            )
            return redirect(safe_next(request, reverse("referral-queue")))
    # A refusal comes before the form's errors, whatever was typed (a forged POST).
    try:
        referral = checks.referral_for(user, referral_id, "answer")
    except ReferralNotFound as exc:
        raise Http404(exc.message) from exc
    except NotAllowed as exc:
        return forbidden(request, exc)
    return _referral_page(request, referral, form=form, status=400)
