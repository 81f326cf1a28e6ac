"""The clock's own record: when the escalation sweep last completed (the dead-man's switch)."""

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class ClockHeartbeat(models.Model):
    """One row: the last completed sweep, and whether its absence was reported.

    A row rather than a cache key, so the web processes, the workers and the embedded
    default (SQLite, no cache server) all read the same answer.
    """

    SINGLETON = 1

    id = models.PositiveSmallIntegerField(_("id"), primary_key=True, default=SINGLETON)
    # When someone first looked: a clock that never ran at all is late from here.
    watched_since = models.DateTimeField(_("watched since"))
    last_sweep_at = models.DateTimeField(_("last completed sweep"), null=True, blank=True)
    # Set when the managers were told the clock stopped; a later sweep starts a new outage.
    stop_reported_at = models.DateTimeField(_("stop reported"), null=True, blank=True)

    class Meta:
        verbose_name = _("clock heartbeat")

    def __str__(self) -> str:
        return gettext("last sweep %(at)s") % {"at": self.last_sweep_at}


class OffShiftNotice(models.Model):
    """A time-out that ran out while the person it is charged to was off shift, for the
    leads of the tier it ran out at, told once when that person's next shift starts.

    Handoffs are append-only, so whether the leads were told lives here: one row per
    ledger entry (``handoff`` is unique), ``sent_at`` set in the transaction that queues
    the email (``escalation.notices``).
    """

    handoff = models.OneToOneField(
        "tickets.Handoff", on_delete=models.PROTECT, related_name="+", verbose_name=_("time-out")
    )
    notify_at = models.DateTimeField(
        _("tell the leads at"), help_text=_("When the charged person's next shift starts.")
    )
    sent_at = models.DateTimeField(_("leads told"), null=True, blank=True)

    class Meta:
        verbose_name = _("off-shift time-out notice")
        verbose_name_plural = _("off-shift time-out notices")
        indexes = [
            models.Index(
                fields=["notify_at"], condition=models.Q(sent_at__isnull=True), name="offshift_unsent_idx"
            )
        ]

    def __str__(self) -> str:
        return gettext("time-out %(id)s") % {"id": self.handoff_id}
