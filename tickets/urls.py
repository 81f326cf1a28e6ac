"""The tickets' screens (mounted at the site root)."""

from django.urls import path

from tickets.views import customers, lists, log_call, manager, moves, ticket_page

urlpatterns = [
    path("call/", log_call.log_call, name="log-call"),
    path("call/callers/", customers.caller_lookup, name="caller-lookup"),
    path("call/customer/", customers.customer_block, name="customer-block"),
    path("call/checklist/", log_call.checklist, name="intake-checklist"),
    path("tickets/", manager.all_open_tickets, name="ticket-list"),
    # The home panels' full lists (before the ticket page, whose reference would match "mine").
    path("tickets/mine/", lists.my_tickets, name="my-tickets"),
    path("tickets/mine/waiting/", lists.my_waiting, name="my-waiting-tickets"),
    path("tickets/queue/<id:tier_id>/", lists.tier_queue, name="tier-queue"),
    path("tickets/held/<id:tier_id>/", lists.tier_held, name="tier-held"),
    path("tickets/held/<id:tier_id>/waiting/", lists.tier_held_waiting, name="tier-held-waiting"),
    path("tickets/<str:reference>/", ticket_page.ticket_detail, name="ticket-detail"),
    *[
        path(
            f"tickets/<str:reference>/{move}/",
            moves.ticket_move,
            {"move": move},
            name=f"ticket-{move}",
        )
        for move in moves.MOVES
    ],
]
