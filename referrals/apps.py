from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    """Questions to other departments: asked from a ticket, answered by the department."""

    name = "referrals"
    verbose_name = _("Referrals")

    def ready(self):
        # The ticket page shows a ticket's referrals: this app adds its part to the page.
        from departments.pages import directory_page_parts
        from referrals.directory_page import ask_from_ticket_part
        from referrals.queries import asked_departments_see_the_ticket
        from referrals.ticket_page import referrals_part
        from tickets.page import ticket_page_parts
        from tickets.queries import visibility_conditions

        ticket_page_parts.register(referrals_part)
        directory_page_parts.register(ask_from_ticket_part)
        # Whoever answers a referral must read what it is about.
        if asked_departments_see_the_ticket not in visibility_conditions:
            visibility_conditions.append(asked_departments_see_the_ticket)

        # The answering department's working hours changed: open questions' deadlines follow.
        from departments.signals import working_time_changed
        from referrals.actions import recompute_referral_due_on_working_time_change

        working_time_changed.connect(
            recompute_referral_due_on_working_time_change, dispatch_uid="referrals.recompute_due"
        )
