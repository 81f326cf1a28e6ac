"""Every list a request may carry is capped and de-duplicated, and looked up in one query."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from departments.models import Bulletin
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/bulletins/"


@pytest.fixture
def api(org):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=org.ana).key}")
    return client


def _post(api, categories):
    return api.post(URL, {"department": "customer-service", "title": "Phones", "body": "Down",
                          "categories": categories}, format="json")


def _queries_for(api, categories, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit) as captured:
        response = _post(api, categories)
    return response, len(captured)


def test_many_categories_cost_the_same_queries_as_two(api, django_assert_max_num_queries):
    slugs = [CategoryFactory(slug=f"c{n}").slug for n in range(50)]
    two, few = _queries_for(api, slugs[:2], django_assert_max_num_queries, 20)
    fifty, many = _queries_for(api, slugs, django_assert_max_num_queries, 20)
    assert two.status_code == fifty.status_code == 201
    assert len(fifty.json()["categories"]) == 50
    assert many == few


def test_repeated_slugs_are_stored_once(api, django_assert_max_num_queries):
    CategoryFactory(slug="returns")
    CategoryFactory(slug="billing")
    response, _n = _queries_for(
        api, ["returns", "billing"] * 25, django_assert_max_num_queries, 20
    )
    assert response.status_code == 201
    assert sorted(response.json()["categories"]) == ["billing", "returns"]
    assert Bulletin.objects.get().categories.count() == 2


def test_a_thousand_categories_are_refused_by_name_without_a_query_each(
    api, django_assert_max_num_queries
):
    CategoryFactory(slug="returns")
    with django_assert_max_num_queries(8):
        response = _post(api, ["returns"] * 1000)
    assert response.status_code == 400
    assert "no more than 50" in response.json()["categories"][0]
    assert not Bulletin.objects.exists()


def test_unknown_slugs_are_named_in_one_message(api):
    CategoryFactory(slug="returns")
    response = _post(api, ["returns", "nope", "gone"])
    assert response.status_code == 400
    assert '"nope", "gone"' in response.json()["categories"][0]
    assert not Bulletin.objects.exists()


def test_the_bulletin_form_refuses_more_categories_than_its_cap(client, org):
    ids = [CategoryFactory(slug=f"k{n}").pk for n in range(51)]
    client.force_login(org.ana)
    response = client.post(
        reverse("bulletin-new"),
        {"department": org.cs.pk, "title": "T", "body": "B", "kind": "other", "categories": ids},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["categories"] == ["Choose at most 50."]
    assert not Bulletin.objects.exists()


def test_the_survey_form_refuses_more_reasons_than_there_are(org):
    from reports.forms import SurveyForm
    from reports.models import Reason

    values = [value for value, _label in Reason.choices]
    form = SurveyForm({"rating": 5, "reasons": values + values[:1]})
    assert not form.is_valid() and "reasons" in form.errors
    ok = SurveyForm({"rating": 5, "reasons": values})
    assert ok.is_valid(), ok.errors
