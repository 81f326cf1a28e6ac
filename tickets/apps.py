from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Tickets")

    def ready(self):
        # A department's page shows the tickets that crossed its border.
        from departments.pages import department_page_parts
        from tickets.department_page import transfers_part

        department_page_parts.register(transfers_part)
