from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    """The pages composed from several apps: an agent's home and a customer's story."""

    name = "desk"
    verbose_name = _("Desk")
