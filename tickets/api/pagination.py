"""Keyset pages of the API's ticket list: a ``next`` link instead of page numbers and a count.

``GET /api/v1/tickets/`` lists newest first (``-opened_at``, ``-id``), or the most urgent
first with ``order=due`` (``due_at``, ``id``). Each response carries at most 50 tickets and
the URL of the page after them (``next``; null on the last page), whose ``cursor`` names the
last ticket shown. Page 10,000 costs what page 1 costs, because the database starts from the
cursor in an index instead of counting and skipping the rows before it; for the same reason
there is no total, whose COUNT would walk every ticket the caller may read.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from core.errors import InvalidInput
from tickets.bounded import keyset_page

PAGE_SIZE = 50
# order= value -> (the key, newest first?)
ORDERS = {"newest": ("opened_at", True), "due": ("due_at", False)}


class InvalidOrder(InvalidInput):
    code = "invalid_order"
    default_message = _("Choose order=newest or order=due.")

    def __init__(self) -> None:
        super().__init__(field="order")


class TicketCursorPagination(BasePagination):
    cursor_query_param = "cursor"
    order_query_param = "order"

    def paginate_queryset(self, queryset, request, view=None) -> list[Any]:
        order = request.query_params.get(self.order_query_param) or "newest"
        if order not in ORDERS:
            raise InvalidOrder()
        key, descending = ORDERS[order]
        cursor = request.query_params.get(self.cursor_query_param)
        rows, next_cursor = keyset_page(
            queryset, key, cursor, descending=descending, size=PAGE_SIZE
        )
        url = request.build_absolute_uri()
        self.next_link = (
            replace_query_param(url, self.cursor_query_param, next_cursor) if next_cursor else None
        )
        self.first_link = remove_query_param(url, self.cursor_query_param) if cursor else None
        return rows

    def get_paginated_response(self, data) -> Response:
        return Response({"next": self.next_link, "first": self.first_link, "results": data})

    def get_paginated_response_schema(self, schema: dict) -> dict:
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["next", "first", "results"],
            "properties": {
                "next": {**link, "description": "The page after this one; null on the last page."},
                "first": {**link, "description": "The first page; null on the first page."},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Where the page starts: copy it from the previous page's `next`.",
                "schema": {"type": "string", "maxLength": 120},
            },
            {
                "name": self.order_query_param,
                "required": False,
                "in": "query",
                "description": "`newest` (opened last first, the default) or `due` (closest "
                "to escalation first).",
                "schema": {"type": "string", "enum": list(ORDERS)},
            },
        ]
