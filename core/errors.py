"""The error hierarchy every app raises: each error has a stable ``code`` and the HTTP status
the API answers with (``core.api.errors``); the screens show its message."""

from django.utils.translation import gettext_lazy as _


class TierdeskError(Exception):
    code = "error"
    http_status = 400
    default_message = _("The request could not be carried out.")

    def __init__(self, message: object = None, *, field: str | None = None) -> None:
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


class NotFound(TierdeskError):
    """Raised for missing objects and for objects the user may not see alike."""

    code = "not_found"
    http_status = 404
    default_message = _("Not found.")


class Conflict(TierdeskError):
    """The move is not allowed in the object's current state (or someone acted first)."""

    code = "conflict"
    http_status = 409
    default_message = _("It has changed; reload it and try again.")
