"""Questions a ticket's owner asks other departments, tracked until answered."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from departments.models import Department
from tickets.models import Ticket


class Referral(models.Model):
    """A question the ticket's owner asks another department. Not a handoff: the owner keeps the ticket."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("ticket"))
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("department"))
    question = models.TextField(_("question"))
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("asked by"))
    asked_at = models.DateTimeField(_("asked"))
    due_at = models.DateTimeField(_("answer due"))
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True, verbose_name=_("taken by")
    )
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True, verbose_name=_("answered by")
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    overdue_flagged_at = models.DateTimeField(_("flagged overdue"), null=True, blank=True)

    class Meta:
        # Written when this model lived in the tickets app; the table kept its name.
        db_table = "tickets_referral"
        ordering = ["asked_at", "id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [
            models.Index(
                fields=["due_at"], name="referral_unflagged_idx",
                condition=models.Q(answered_at__isnull=True, overdue_flagged_at__isnull=True),
            ),
            models.Index(fields=["department", "answered_at"], name="referral_department_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="referral_answer_complete",
                condition=(
                    models.Q(answered_at__isnull=True, answered_by__isnull=True)
                    | models.Q(answered_at__isnull=False, answered_by__isnull=False)
                ),
            ),
        ]

    def __str__(self):
        return gettext("R-%(pk)s on %(ref)s to %(department)s") % {
            "pk": self.pk,
            "ref": self.ticket.reference,
            "department": self.department,
        }

    @property
    def is_open(self) -> bool:
        return self.answered_at is None

    def is_overdue(self, now=None) -> bool:
        return self.is_open and self.due_at <= (now or timezone.now())
