"""The ticket page's HTML ids: each once, and every label points at a box of its own form.

The page shows several move forms at once (and one answer form per question to another
department); with the same ids, clicking "Why release it?" focused the pass-up box.
"""

from collections import Counter
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from referrals.actions import do_refer_ticket
from tests.factories import open_ticket


class Ids(HTMLParser):
    """Every element id and every label's ``for``, each with the action of its form."""

    def __init__(self):
        super().__init__()
        self.form = None
        self.ids: list[tuple[str, str | None]] = []
        self.labels: list[tuple[str, str | None, str]] = []
        self._label = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.form = attrs.get("action")
        if "id" in attrs:
            self.ids.append((attrs["id"], self.form))
        if tag == "label" and "for" in attrs:
            self._label = [attrs["for"], self.form, ""]

    def handle_data(self, data):
        if self._label is not None:
            self._label[2] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        if tag == "label" and self._label is not None:
            self.labels.append((self._label[0], self._label[1], self._label[2].strip()))
            self._label = None


def parsed(response) -> Ids:
    assert response.status_code in (200, 400), response.status_code
    ids = Ids()
    ids.feed(response.content.decode())
    return ids


def assert_ids_unique_and_labels_own_their_boxes(ids: Ids) -> None:
    repeated = [name for name, count in Counter(name for name, _form in ids.ids).items() if count > 1]
    assert repeated == []
    form_of = dict(ids.ids)
    for target, form, text in ids.labels:
        assert target in form_of, f"label {text!r} points at no element"
        assert form_of[target] == form, f"label {text!r} points into another form"


@pytest.fixture
def busy_ticket(org):
    """An owned ticket with two open questions to other departments: every form on offer."""
    ticket = open_ticket(org.ana)
    do_refer_ticket(ticket, by=org.ana, department=org.sales, question="Refunded already?")
    do_refer_ticket(ticket, by=org.ana, department=org.sales, question="And the invoice?")
    return ticket


@pytest.mark.parametrize("username", ["andrei", "ana", "elena", "ravi"])
def test_every_id_on_the_ticket_page_is_unique(client, org, busy_ticket, username):
    client.force_login(getattr(org, username))
    ids = parsed(client.get(reverse("ticket-detail", args=[busy_ticket.reference])))
    assert len(ids.ids) > 10
    assert_ids_unique_and_labels_own_their_boxes(ids)


def test_ids_stay_unique_when_a_move_comes_back_with_its_errors(client, org, busy_ticket):
    client.force_login(org.andrei)
    response = client.post(reverse("ticket-pass", args=[busy_ticket.reference]), {"note": " "})
    assert response.status_code == 400
    assert_ids_unique_and_labels_own_their_boxes(parsed(response))


def test_why_release_it_focuses_the_release_box_not_the_pass_up_box(client, org, busy_ticket):
    client.force_login(org.ana)
    ids = parsed(client.get(reverse("ticket-detail", args=[busy_ticket.reference])))
    release = reverse("ticket-release", args=[busy_ticket.reference])
    [(target, form)] = [(t, f) for t, f, text in ids.labels if text.startswith("Why release it?")]
    assert form == release
    assert dict(ids.ids)[target] == release
