"""The ticket page's parts that apps above tickets add (they subscribe; tickets never
imports them): each part gives the page more context and more entries of the story.

A part is a callable ``part(request, ticket, *, moves, bound, now) -> TicketPagePart``;
``bound`` is the page's submitted forms by name, and a part takes out the ones it owns.
``referrals`` registers the ticket's questions to other departments in its AppConfig.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from tickets.timeline import Entry


@dataclass
class TicketPagePart:
    context: dict = field(default_factory=dict)
    entries: list[Entry] = field(default_factory=list)


class TicketPageParts:
    def __init__(self):
        self._parts: list[Callable[..., TicketPagePart]] = []

    def register(self, part: Callable[..., TicketPagePart]) -> None:
        if part not in self._parts:
            self._parts.append(part)

    def build(self, request, ticket, *, moves: set[str], bound: dict, now) -> TicketPagePart:
        page = TicketPagePart()
        for part in self._parts:
            built = part(request, ticket, moves=moves, bound=bound, now=now)
            page.context.update(built.context)
            page.entries.extend(built.entries)
        return page


ticket_page_parts = TicketPageParts()
