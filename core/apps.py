from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """What every app shares: errors, API plumbing, ids, display helpers, accounts."""

    name = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.conf import settings

        from core import converters

        converters.register()
        from django.db.models.signals import pre_save

        from core.api.tokens import revoke_tokens_on_password_change

        pre_save.connect(
            revoke_tokens_on_password_change,
            sender=settings.AUTH_USER_MODEL,
            dispatch_uid="tickets.revoke_tokens_on_password_change",
        )
