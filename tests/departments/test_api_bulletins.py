"""Bulletins through the REST API: the current news by default, and posting it."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from departments.models import Bulletin
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/bulletins/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def post(department, title, *, hours_ago=1, **fields):
    return Bulletin.objects.create(
        department=department,
        title=title,
        body="…",
        posted_at=timezone.now() - timedelta(hours=hours_ago),
        **fields,
    )


def test_the_list_shows_current_news_pinned_first(org):
    now = timezone.now()
    newest = post(org.cs, "Phones down at noon")
    pinned = post(org.sales, "Returns policy", hours_ago=50, pinned=True)
    post(org.sales, "Gone", hours_ago=50, expires_at=now - timedelta(hours=1))

    response = client_for(org.ana).get(URL)

    assert response.status_code == 200
    assert [b["id"] for b in response.json()["results"]] == [pinned.pk, newest.pk]
    assert response.json()["results"][0]["department"] == "sales"


def test_the_list_narrows_to_a_department_and_refuses_an_unknown_one(org):
    post(org.cs, "Phones down at noon")
    sales = post(org.sales, "X200 out of stock")
    api = client_for(org.ana)

    assert [b["id"] for b in api.get(URL, {"department": "sales"}).json()["results"]] == [sales.pk]
    unknown = api.get(URL, {"department": "nowhere"})
    assert unknown.status_code == 400 and "department" in unknown.json()
    not_a_slug = api.get(URL, {"department": "sa\x00les"})
    assert not_a_slug.status_code == 400 and "department" in not_a_slug.json()


def test_only_managers_include_expired_news(org):
    gone = post(org.sales, "Gone", hours_ago=50, expires_at=timezone.now() - timedelta(hours=1))

    assert client_for(org.ana).get(URL, {"include_expired": "true"}).status_code == 403
    response = client_for(org.andrei).get(URL, {"include_expired": "true"})
    assert response.status_code == 200 and [b["id"] for b in response.json()["results"]] == [
        gone.pk
    ]
    assert client_for(org.andrei).get(URL, {"include_expired": "perhaps"}).status_code == 400


def test_a_member_posts_news_for_their_department(org):
    CategoryFactory(slug="delivery", name="Delivery")
    expires = (timezone.now() + timedelta(days=3)).isoformat()

    response = client_for(org.elena).post(
        URL,
        {
            "department": "sales",
            "title": "X200 out of stock",
            "body": "Offer the X210.",
            "kind": "out_of_stock",
            "categories": ["delivery"],
            "pinned": True,
            "expires_at": expires,
        },
        format="json",
    )

    assert response.status_code == 201, response.data
    body = response.json()
    assert (body["author"], body["kind"], body["categories"], body["pinned"]) == (
        "elena",
        "out_of_stock",
        ["delivery"],
        True,
    )
    assert Bulletin.objects.get().author == org.elena


def test_posting_for_another_department_is_a_403_and_for_none_too(org):
    body = {"department": "sales", "title": "Hijack", "body": "…"}
    assert client_for(org.ana).post(URL, body, format="json").status_code == 403
    assert client_for(org.outsider).post(URL, body, format="json").status_code == 403
    assert APIClient().post(URL, body, format="json").status_code == 401
    assert not Bulletin.objects.exists()
    assert client_for(org.andrei).post(URL, body, format="json").status_code == 201


def test_bad_news_is_a_400_naming_every_field(org):
    response = client_for(org.elena).post(
        URL,
        {
            "department": "nowhere",
            "title": "",
            "body": 7,
            "kind": "rumour",
            "categories": ["nope"],
            "expires_at": (timezone.now() - timedelta(minutes=1)).isoformat(),
        },
        format="json",
    )

    assert response.status_code == 400
    assert {"department", "title", "body", "kind", "categories", "expires_at"} <= set(
        response.json()
    )
    assert response.json()["expires_at"] == ["Choose a moment in the future."]
    assert not Bulletin.objects.exists()


def test_the_list_costs_the_same_number_of_queries_for_3_and_30_bulletins(org):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    delivery = CategoryFactory(slug="delivery", name="Delivery")
    api = client_for(org.ana)
    counts = []
    for n in (3, 30):
        while Bulletin.objects.count() < n:
            post(org.sales, "News").categories.add(delivery)
        with CaptureQueriesContext(connection) as queries:
            assert api.get(URL).json()["count"] == n
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_page_past_the_end_is_a_json_404_the_schema_documents(org):
    # Found by schemathesis (tests/test_api_fuzz.py): ?page=114 answered a 404 that the
    # schema did not list.
    post(org.sales, "Kettle recall")
    response = client_for(org.ana).get(URL, {"page": "114"})

    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid page.", "code": "not_found"}
    schema = client_for(org.ana).get("/api/schema/", {"format": "json"}).json()
    assert "404" in schema["paths"]["/api/v1/bulletins/"]["get"]["responses"]
