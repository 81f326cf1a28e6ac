"""Bulletins: every department's news for everyone answering customers.

Members of a department (and managers) post for it; the author, the department's leads
and managers edit or expire a bulletin. Managers can also send the weekly digest now.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import InvalidInput, NotAllowed
from core.http import forbidden, parse_id, put_on_form
from departments import actions, forms
from departments.digest import send_weekly_digest
from departments.models import Bulletin, Department, DigestRun
from departments.permissions import can_edit_bulletin, can_post_bulletin, departments_for_posting
from departments.queries import current_bulletins
from departments.roles import is_manager


def _bulletins(user, department, include_expired: bool, now):
    if include_expired:
        bulletins = Bulletin.objects.select_related("department", "author").prefetch_related(
            "categories"
        )
        if department is not None:
            bulletins = bulletins.filter(department=department)
        return bulletins.order_by("-posted_at", "-id")
    return current_bulletins(now, department=department)


@require_GET
@login_required
def bulletin_list(request):
    """Current news (``?department=slug`` narrows it; managers may add ``?include_expired=1``)."""
    user = request.user
    now = timezone.now()
    slug = request.GET.get("department", "")
    department = Department.objects.filter(slug=slug).first() if slug else None
    include_expired = is_manager(user) and request.GET.get("include_expired") in ("1", "true", "on")
    bulletins = list(_bulletins(user, department, include_expired, now))
    for bulletin in bulletins:
        bulletin.current = bulletin.is_current(now)
    return render(
        request,
        "bulletins/list.html",
        {
            "bulletins": bulletins,
            "departments": Department.objects.order_by("name"),
            "department": department,
            "include_expired": include_expired,
            "may_post": departments_for_posting(user).exists(),
            "is_manager": is_manager(user),
            "last_digest": DigestRun.objects.select_related("sent_by").first()
            if is_manager(user)
            else None,
        },
    )


def _refuse_posting(request, department=None):
    if department is None:
        return forbidden(
            request, NotAllowed(_("Only members of a department and managers can post news."))
        )
    return forbidden(request, actions.posting_refusal(department))


def _named_department(request) -> Department | None:
    department_id = parse_id(request.POST.get("department", ""))
    return Department.objects.filter(pk=department_id).first() if department_id else None


@require_http_methods(["GET", "POST"])
@login_required
def bulletin_new(request):
    user = request.user
    allowed = departments_for_posting(user)
    if not allowed.exists():
        return _refuse_posting(request)
    now = timezone.now()
    status = 200
    if request.method == "POST":
        # A department the user may not post for is a forged form: 403, not a form error.
        named = _named_department(request)
        if named is not None and not can_post_bulletin(user, named):
            return _refuse_posting(request, named)
        form = forms.BulletinForm(
            request.POST, departments=allowed, now=now, instance=Bulletin(author=user)
        )
        if form.is_valid():
            try:
                bulletin = actions.do_post_bulletin(by=user, now=now, **form.cleaned_data)
            except NotAllowed as error:
                return forbidden(request, error)
            except InvalidInput as error:
                put_on_form(form, error)
            else:
                messages.success(
                    request,
                    _("Posted: everyone sees “%(title)s” now.") % {"title": bulletin.title},
                )
                return redirect("bulletins")
        status = 400
    else:
        initial = {}
        slug = request.GET.get("department", "")
        if slug:
            initial["department"] = allowed.filter(slug=slug).first()
        form = forms.BulletinForm(departments=allowed, now=now, initial=initial)
    return render(request, "bulletins/form.html", {"form": form, "bulletin": None}, status=status)


def _bulletin(bulletin_id: int) -> Bulletin:
    bulletin = (
        Bulletin.objects.select_related("department", "author").filter(pk=bulletin_id).first()
    )
    if bulletin is None:
        raise Http404(_("No such bulletin."))
    return bulletin


def _refuse_edit(request, bulletin):
    return forbidden(request, actions.bulletin_change_refusal(bulletin))


@require_http_methods(["GET", "POST"])
@login_required
def bulletin_edit(request, bulletin_id):
    user = request.user
    bulletin = _bulletin(bulletin_id)
    if not can_edit_bulletin(user, bulletin):
        return _refuse_edit(request, bulletin)
    # The bulletin's own department stays a choice even for an author who has since left it.
    departments = Department.objects.filter(
        Q(pk__in=departments_for_posting(user).values("pk")) | Q(pk=bulletin.department_id)
    ).order_by("name")
    now = timezone.now()
    status = 200
    if request.method == "POST":
        named = _named_department(request)
        if (
            named is not None
            and named.pk != bulletin.department_id
            and not can_post_bulletin(user, named)
        ):
            return _refuse_posting(request, named)
        form = forms.BulletinForm(request.POST, instance=bulletin, departments=departments, now=now)
        if form.is_valid():
            try:
                bulletin = actions.do_edit_bulletin(
                    bulletin, by=user, now=now, **form.cleaned_data
                )
            except NotAllowed as error:
                return forbidden(request, error)
            except InvalidInput as error:
                put_on_form(form, error)
            else:
                messages.success(request, _("“%(title)s” updated.") % {"title": bulletin.title})
                return redirect("bulletins")
        status = 400
    else:
        form = forms.BulletinForm(instance=bulletin, departments=departments, now=now)
    return render(
        request, "bulletins/form.html", {"form": form, "bulletin": bulletin}, status=status
    )


@require_POST
@login_required
def bulletin_expire(request, bulletin_id):
    """Stop showing a bulletin from now on (it stays in the record and in past digests)."""
    try:
        bulletin = actions.do_expire_bulletin(_bulletin(bulletin_id), by=request.user)
    except NotAllowed as error:
        return forbidden(request, error)
    messages.success(request, _("“%(title)s” is no longer shown.") % {"title": bulletin.title})
    return redirect(reverse("bulletins"))


@require_POST
@login_required
def send_digest_now(request):
    """A manager sends last week's digest now, beside the Monday schedule."""
    user = request.user
    if not is_manager(user):
        return forbidden(request, NotAllowed(_("Only managers can send the digest.")))
    run = send_weekly_digest(sent_by=user, scheduled=False)
    # Translators: the number of bulletins, put into the message below as %(bulletins)s.
    bulletins = ngettext("%(b)d bulletins", "%(b)d bulletins", run.bulletins) % {
        "b": run.bulletins
    }
    messages.success(
        request,
        # Translators: %(bulletins)s is "%(b)d bulletins" above; %(n)d counts the people.
        ngettext(
            "Digest of the week of %(week)s queued for %(n)d people (%(bulletins)s).",
            "Digest of the week of %(week)s queued for %(n)d people (%(bulletins)s).",
            run.recipients,
        )
        % {"week": run.week_start.isoformat(), "n": run.recipients, "bulletins": bulletins},
    )
    return redirect("bulletins")
