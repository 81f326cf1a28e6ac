"""The signed-in person is read once, before the view, as a plain user object.

Django's ``AuthenticationMiddleware`` puts a lazy proxy on ``request.user`` so a request that
never asks who is signed in reads nothing. Here every page and API call asks, hundreds of
times: each right in ``tickets.rules`` reads ``user.pk`` or ``user.is_active`` for each row
of a list, and each of those reads went through the proxy (a fifth of an API page's Python
time at a million tickets, docs/benchmarks.md). A request without a session cookie reads
nothing more than before: the user is then anonymous without a query.
"""

from django.contrib import auth


class SignedInUserMiddleware:
    """Right after ``AuthenticationMiddleware``: replace its lazy ``request.user`` by the user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.user = auth.get_user(request)
        return self.get_response(request)
