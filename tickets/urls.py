"""The tickets' screens (mounted at the site root)."""

from django.urls import path

from tickets.views import customers, log_call, manager, moves, ticket_page

urlpatterns = [
    path("call/", log_call.log_call, name="log-call"),
    path("call/callers/", customers.caller_lookup, name="caller-lookup"),
    path("call/customer/", customers.customer_block, name="customer-block"),
    path("call/checklist/", log_call.checklist, name="intake-checklist"),
    path("tickets/", manager.all_open_tickets, name="ticket-list"),
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
