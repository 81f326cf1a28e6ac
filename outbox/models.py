"""The outbox: every email the application sends, written with the change it reports."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboundEmail(models.Model):
    """An email waiting to go out: written in the same transaction as the change it reports.

    Delivery is tried right after commit and again by a periodic drain, so a message is
    never lost while the broker or the mail server is down.
    """

    kind = models.CharField(_("kind"), max_length=40)
    recipients = models.JSONField(_("recipients"))
    subject = models.CharField(_("subject"), max_length=250)
    body = models.TextField(_("body"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        # Written when this model lived in the tickets app; the table kept its name.
        db_table = "tickets_outboundemail"
        ordering = ["created_at", "id"]
        verbose_name = _("outbound email")
        verbose_name_plural = _("outbound emails")
        indexes = [
            models.Index(fields=["created_at"], name="outbox_pending_idx", condition=models.Q(sent_at__isnull=True)),
        ]

    def __str__(self):
        return f"{self.subject} -> {', '.join(self.recipients)}"
