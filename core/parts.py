"""Pages of a lower app that apps above it add to (they subscribe; the lower app never
imports them): each registered part returns more context for the page."""

from collections.abc import Callable
from typing import Any

Part = Callable[..., dict[str, Any]]


class PageParts:
    def __init__(self) -> None:
        self._parts: list[Part] = []

    def register(self, part: Part) -> None:
        if part not in self._parts:
            self._parts.append(part)

    def build(self, request: Any, **page: Any) -> dict[str, Any]:
        """The context every registered part adds, in the order they registered."""
        context: dict[str, Any] = {}
        for part in self._parts:
            context.update(part(request, **page))
        return context
