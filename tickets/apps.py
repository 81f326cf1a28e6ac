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

        # A tier's time or a department's working hours changed: open tickets' deadlines follow.
        from departments.signals import working_time_changed
        from tickets.actions.deadlines import recompute_due_on_working_time_change

        working_time_changed.connect(
            recompute_due_on_working_time_change, dispatch_uid="tickets.recompute_due"
        )
