"""Domain errors: each has a stable ``code`` and the HTTP status the API answers with."""

from django.utils.translation import gettext_lazy as _


class TierdeskError(Exception):
    code = "error"
    http_status = 400
    default_message = _("The request could not be carried out.")

    def __init__(self, message=None, *, field: str | None = None):
        self.message = str(message or self.default_message)
        self.field = field
        super().__init__(self.message)


class InvalidInput(TierdeskError):
    code = "invalid"
    http_status = 400


class NotAllowed(TierdeskError):
    code = "not_allowed"
    http_status = 403
    default_message = _("You are not allowed to do that.")


class TicketNotFound(TierdeskError):
    """Raised for missing tickets and for tickets the user may not see alike."""

    code = "not_found"
    http_status = 404
    default_message = _("No such ticket.")


class Conflict(TierdeskError):
    """The move is not allowed in the ticket's current state (or someone acted first)."""

    code = "conflict"
    http_status = 409
    default_message = _("The ticket has changed; reload it and try again.")


class AlreadyClaimed(Conflict):
    code = "already_claimed"

    def __init__(self, owner_name: str):
        self.owner_name = owner_name
        super().__init__(_("Already claimed by %(owner)s.") % {"owner": owner_name})


class TicketResolved(Conflict):
    code = "resolved"
    default_message = _("This ticket is resolved; a resolved ticket never changes again.")
