from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from reports.surveys import on_ticket_resolved
        from tickets.signals import ticket_resolved

        ticket_resolved.connect(on_ticket_resolved, dispatch_uid="reports.survey_invitation")
