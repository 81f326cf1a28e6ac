import pytest


@pytest.mark.django_db
def test_an_unknown_api_address_answers_json(client):
    response = client.get("/api/v1/tickets/a%2Fb/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


@pytest.mark.django_db
def test_an_unknown_page_answers_the_sites_own_404(client, org):
    client.force_login(org.ana)

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_api_documentation_pages_load_nothing_from_other_sites(client, path):
    response = client.get(path)

    assert response.status_code == 200
    page = response.content.decode()
    assert "googleapis" not in page and "cdn" not in page.lower()
    assert "https://" not in page and "http://" not in page.replace("http://testserver", "")
