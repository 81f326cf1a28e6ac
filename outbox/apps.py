from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    """Every email the application sends: queued with the change, delivered after commit."""

    name = "outbox"
    verbose_name = _("Outbox")
