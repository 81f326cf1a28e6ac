"""The REST API, mounted at /api/v1/ by config.urls.

Path parameters are matched as text (``<str:...>``), never ``<int:...>`` or ``<slug:...>``:
a malformed value must reach the view and get the API's JSON 404, not Django's HTML page.
"""

from django.urls import path

from core.api import auth
from tickets.api import moves, tickets

urlpatterns = [
    path("auth/token/", auth.TokenApi.as_view(), name="api-token"),
    path("tickets/", tickets.TicketsApi.as_view(), name="api-tickets"),
    path("tickets/<str:reference>/", tickets.TicketApi.as_view(), name="api-ticket"),
    path(
        "tickets/<str:reference>/handoffs/",
        tickets.TicketHandoffsApi.as_view(),
        name="api-ticket-handoffs",
    ),
    path("tickets/<str:reference>/claim/", moves.ClaimApi.as_view(), name="api-ticket-claim"),
    path("tickets/<str:reference>/release/", moves.ReleaseApi.as_view(), name="api-ticket-release"),
    path("tickets/<str:reference>/assign/", moves.AssignApi.as_view(), name="api-ticket-assign"),
    path("tickets/<str:reference>/pass/", moves.PassUpApi.as_view(), name="api-ticket-pass"),
    path(
        "tickets/<str:reference>/transfer/", moves.TransferApi.as_view(), name="api-ticket-transfer"
    ),
    path("tickets/<str:reference>/resolve/", moves.ResolveApi.as_view(), name="api-ticket-resolve"),
    path("tickets/<str:reference>/pause/", moves.PauseApi.as_view(), name="api-ticket-pause"),
    path("tickets/<str:reference>/resume/", moves.ResumeApi.as_view(), name="api-ticket-resume"),
    path("tickets/<str:reference>/notes/", moves.NotesApi.as_view(), name="api-ticket-notes"),
]
