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
