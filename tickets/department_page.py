"""The tickets a department's page shows: those transferred in and out lately (registered
on ``departments.pages.department_page_parts`` by ``TicketsConfig.ready``)."""

from datetime import timedelta

from tickets.models import HandoffKind
from tickets.queries import transfers_of_department, visible_ticket_ids

RECENT_TRANSFERS = timedelta(days=30)
# The department page lists at most this many transfers each way; the counts cover all.
TRANSFERS_SHOWN = 25


def transfers_part(request, *, department, now) -> dict:
    return {"transferred": HandoffKind.TRANSFERRED, **_transfers(request.user, department, now)}


def _transfers(user, department, now) -> dict:
    """Tickets transferred in and out in the last 30 days: counts of all, lines for those the
    user may read (a ticket out of sight is counted, never described)."""
    handoffs = list(transfers_of_department(department.pk, since=now - RECENT_TRANSFERS))
    visible = visible_ticket_ids(user, {h.ticket_id for h in handoffs})
    arrived = [h for h in handoffs if h.to_department_id == department.pk]
    left = [h for h in handoffs if h.from_department_id == department.pk]
    return {
        "transfers_in": [h for h in arrived if h.ticket_id in visible][:TRANSFERS_SHOWN],
        "transfers_out": [h for h in left if h.ticket_id in visible][:TRANSFERS_SHOWN],
        "transfers_in_count": len(arrived),
        "transfers_out_count": len(left),
        "transfers_in_hidden": sum(1 for h in arrived if h.ticket_id not in visible),
        "transfers_out_hidden": sum(1 for h in left if h.ticket_id not in visible),
    }
