"""The directory opened from a ticket (``?from=T-000123``): each other department offers
"Ask this department" to whoever may refer the ticket (registered on
``departments.pages.directory_page_parts`` by ``ReferralsConfig.ready``)."""

from referrals.rules import may_refer
from tickets.views.common import get_ticket


def ask_from_ticket_part(request) -> dict:
    reference = request.GET.get("from")
    if not reference:
        return {"ticket": None, "may_ask": False}
    ticket = get_ticket(request.user, reference)
    return {"ticket": ticket, "may_ask": may_refer(request.user, ticket)}
