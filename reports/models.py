"""Satisfaction surveys and the record of monthly summaries already sent."""

import hashlib

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core import display
from tickets.models import Ticket


def hash_token(token: str) -> str:
    """Return the SHA-256 hex digest under which a survey token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Reason(models.TextChoices):
    """What made the difference, in the customer's words; stored as one flag each so the
    dashboard can count them with plain SQL on every database."""

    FAST = "fast", _("It was fast")
    FIRST_TIME = "first_time", _("It was solved the first time")
    FRIENDLY = "friendly", _("The people were friendly")
    KEPT_INFORMED = "kept_informed", _("I was kept informed")
    OTHER = "other", _("Something else")


REASON_FIELDS = {reason.value: f"reason_{reason.value}" for reason in Reason}


class SurveyInvitation(models.Model):
    """The single-use link a customer receives when their ticket is resolved.

    Only the SHA-256 of the token is stored: a database leak gives nobody a working link.
    """

    ticket = models.OneToOneField(
        Ticket, on_delete=models.PROTECT, related_name="survey_invitation", verbose_name=_("ticket")
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    email = models.EmailField(_("sent to"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")

    def __str__(self):
        return gettext("Survey for %(ref)s") % {"ref": self.ticket.reference}

    def is_expired(self, now=None) -> bool:
        return (now or timezone.now()) >= self.expires_at

    @property
    def is_used(self) -> bool:
        return self.used_at is not None


class SurveyResponse(models.Model):
    """A customer's answer: how satisfied (1-5), what made the difference, and in their words."""

    ticket = models.OneToOneField(Ticket, on_delete=models.PROTECT, related_name="survey_response", verbose_name=_("ticket"))
    rating = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    reason_fast = models.BooleanField(Reason.FAST.label, default=False)
    reason_first_time = models.BooleanField(Reason.FIRST_TIME.label, default=False)
    reason_friendly = models.BooleanField(Reason.FRIENDLY.label, default=False)
    reason_kept_informed = models.BooleanField(Reason.KEPT_INFORMED.label, default=False)
    reason_other = models.BooleanField(Reason.OTHER.label, default=False)
    comment = models.TextField(_("comment"), blank=True)
    answered_at = models.DateTimeField(_("answered"), default=timezone.now)

    class Meta:
        ordering = ["-answered_at", "-id"]
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="survey_rating_1_to_5"
            ),
        ]

    def __str__(self):
        return gettext("%(rating)s/5 for %(ref)s") % {"rating": self.rating, "ref": self.ticket.reference}

    @property
    def reasons(self) -> list[str]:
        return [value for value, field in REASON_FIELDS.items() if getattr(self, field)]

    @property
    def is_satisfied(self) -> bool:
        return self.rating >= 4


class MonthlySummary(models.Model):
    """One row per closed month: its summary email went out (a second beat finds it and
    stops), and ``sent_at`` is the instant the month closed."""

    month = models.DateField(_("month"), unique=True, help_text=_("The first day of the month."))
    sent_at = models.DateTimeField(_("queued"), default=timezone.now)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)
    figures = models.JSONField(
        _("figures at the close"), default=dict, blank=True,
        help_text=_(
            "The month's figures when the summary went out: the month is reported as it"
            " stood then (docs/metrics.md, a closed month stays closed)."
        ),
    )

    class Meta:
        ordering = ["-month"]
        verbose_name = _("monthly summary sent")
        verbose_name_plural = _("monthly summaries sent")

    def __str__(self):
        return gettext("Summary of %(month)s") % {"month": f"{self.month:%Y-%m}"}


class ReportSnapshot(models.Model):
    """A month's figures (for the organisation or one department) as they stood at ``as_at``.

    Computing a month of 60,000 tickets takes more than a second; the dashboard, its CSVs
    and the API read the latest snapshot instead while it is younger than
    ``TIERDESK_REPORT_MAX_AGE_SECONDS`` (reports.metrics.snapshots). The figures are those
    of the ledger up to ``as_at``, and every drill-down link of a page built from it carries
    that instant, so the list behind a number is exactly what the number counted.
    """

    key = models.CharField(_("key"), max_length=64, unique=True)
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    department = models.ForeignKey(
        "departments.Department", on_delete=models.CASCADE, null=True, blank=True,
        related_name="+", verbose_name=_("department"),
    )
    as_at = models.DateTimeField(_("figures as at"))
    fingerprint = models.CharField(
        _("fingerprint"), max_length=64,
        help_text=_("The rules, the close and the code the figures were computed with."),
    )
    compute_ms = models.PositiveIntegerField(_("computed in (ms)"), default=0)
    read_at = models.DateTimeField(_("last read"), null=True, blank=True)
    payload = models.BinaryField(_("figures"))
    signature = models.CharField(_("signature"), max_length=64)

    class Meta:
        ordering = ["-month", "key"]
        verbose_name = _("report snapshot")
        verbose_name_plural = _("report snapshots")

    def __str__(self):
        return gettext("Report %(key)s as at %(at)s") % {
            "key": self.key,
            "at": display.when(self.as_at),
        }
