"""The tickets' own errors, on top of ``core.errors``."""

from django.utils.translation import gettext_lazy as _

from core.errors import Conflict, NotFound


class TicketNotFound(NotFound):
    """Raised for missing tickets and for tickets the user may not see alike."""

    default_message = _("No such ticket.")


class CustomerNotFound(NotFound):
    default_message = _("No such customer.")


class TicketChanged(Conflict):
    default_message = _("The ticket has changed; reload it and try again.")


class AlreadyClaimed(TicketChanged):
    code = "already_claimed"

    def __init__(self, owner_name: str):
        self.owner_name = owner_name
        super().__init__(_("Already claimed by %(owner)s.") % {"owner": owner_name})


class TicketResolved(TicketChanged):
    code = "resolved"
    default_message = _("This ticket is resolved; a resolved ticket never changes again.")


class TicketPaused(TicketChanged):
    code = "paused"
    default_message = _("This ticket is waiting on the customer: resume it first.")


class TicketNotPaused(TicketChanged):
    code = "not_paused"
    default_message = _("This ticket is not waiting on the customer.")


class TicketAlreadyDue(TicketChanged):
    code = "already_due"
    default_message = _(
        "This ticket's time at its tier has already run out: it cannot wait on the customer now."
    )
