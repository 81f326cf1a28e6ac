"""The signed-in person reaches the view as a plain user, read once; nobody else's is read."""

from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils.functional import SimpleLazyObject

from config.signed_in import SignedInUserMiddleware
from tests.factories import UserFactory


def user_the_view_sees(session):
    seen = {}

    def view(request):
        seen["user"] = request.user
        return HttpResponse()

    request = RequestFactory().get("/")
    request.session = session
    AuthenticationMiddleware(SignedInUserMiddleware(view))(request)
    return seen["user"]


def test_a_signed_in_request_hands_the_view_the_user_itself(db, client):
    agent = UserFactory()
    client.force_login(agent)
    user = user_the_view_sees(client.session)
    assert not isinstance(user, SimpleLazyObject)
    assert user == agent


def test_a_request_without_a_session_is_anonymous_without_a_query(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        user = user_the_view_sees(SessionStore())
    assert isinstance(user, AnonymousUser)


def test_the_home_page_is_served_to_the_user_itself(db, client):
    agent = UserFactory()
    client.force_login(agent)
    response = client.get("/")
    assert response.status_code == 200
    assert response.wsgi_request.user == agent
    assert not isinstance(response.wsgi_request.user, SimpleLazyObject)
