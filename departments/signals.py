"""Signing in puts the language a person chose earlier back on every page they open."""

from core import languages
from departments.queries import language_of


def apply_chosen_language(sender, request, user, **kwargs) -> None:
    if request is None or not hasattr(request, "session"):
        return
    chosen = language_of(user)
    if chosen:
        request.session[languages.SESSION_KEY] = chosen
