from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Tickets")

    def ready(self):
        from django.conf import settings
        from django.db.models.signals import pre_save

        from tickets.api.tokens import revoke_tokens_on_password_change

        pre_save.connect(
            revoke_tokens_on_password_change,
            sender=settings.AUTH_USER_MODEL,
            dispatch_uid="tickets.revoke_tokens_on_password_change",
        )
