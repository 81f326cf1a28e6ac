"""Times on pages are the organisation's; the API's are UTC."""

from datetime import UTC, datetime

import pytest
import time_machine
from rest_framework.test import APIClient

from tests.factories import open_ticket

pytestmark = pytest.mark.django_db


@time_machine.travel(datetime(2026, 11, 23, 8, 30, tzinfo=UTC), tick=False)
def test_ticket_page_shows_the_organisations_clock_and_the_api_shows_utc(client, org, settings):
    settings.TIERDESK_TIME_ZONE = "Europe/Bucharest"
    ticket = open_ticket(org.ana)
    client.force_login(org.ana)

    page = client.get(f"/tickets/{ticket.reference}/").content.decode()

    assert "10:30" in page  # 08:30 UTC is 10:30 in Bucharest in November
    api = APIClient()
    api.force_authenticate(org.ana)
    assert api.get(f"/api/v1/tickets/{ticket.reference}/").json()["opened_at"] == "2026-11-23T08:30:00Z"
