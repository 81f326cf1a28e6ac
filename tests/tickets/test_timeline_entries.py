"""The timeline's entries written in Python (``tickets/templatetags/timeline_entries.py``):
the same markup the template wrote, escaped, for every kind of entry."""

import re
from datetime import UTC, datetime

import pytest
from django.template import engines
from django.utils import timezone

from tickets.timeline import Entry

HOSTILE = '<script>alert("x")</script>'
AT = datetime(2026, 12, 2, 14, 5, 7, 123456, tzinfo=UTC)

# What ticket_detail.html rendered for each entry before the tag wrote it.
TEMPLATE = """{% load i18n display %}
<li class="entry entry--{{ entry.kind }}{% if entry.is_note and not entry.internal %} entry--public{% endif %}{% if entry.is_referral %} entry--referral{% endif %}">
  <time datetime="{{ entry.at|date:'c' }}">{{ entry.at|when }}</time>
  {% if entry.kind == "transferred" %}<span class="entry-badge entry-badge--transfer">⇄ {% translate "Transfer" context "timeline badge: the ticket moved to another department" %}</span>{% elif entry.kind == "referral_overdue" %}<span class="entry-badge entry-badge--late">⚠ {% translate "Overdue" %}</span>{% elif entry.is_referral %}<span class="entry-badge">? {% translate "Referral" %}</span>{% endif %}
  <p class="entry-text">{{ entry.text }}{% if entry.detail and not entry.is_note %}: <q>{{ entry.detail }}</q>{% endif %}</p>
  {% if entry.is_note %}<blockquote>{{ entry.detail|linebreaksbr }}</blockquote>{% endif %}
</li>"""

ENTRIES = {
    "a claim": Entry(at=AT, kind="claimed", text="Claimed by Ana Kovač"),
    "a release with its reason": Entry(at=AT, kind="released", text="Released by Ana", detail=HOSTILE),
    "a transfer": Entry(at=AT, kind="transferred", text="Transferred to Billing", detail="Wrong desk"),
    "an internal note": Entry(at=AT, kind="note", text="Note by Ana", detail="one\ntwo", internal=True),
    "a note the customer reads": Entry(at=AT, kind="note", text=HOSTILE, detail=f"{HOSTILE}\nsecond"),
    "a referral asked": Entry(at=AT, kind="referral_asked", text="Asked Billing", detail="Refund?", source="referrals"),
    "an overdue referral": Entry(at=AT, kind="referral_overdue", text="Billing is late", source="referrals"),
}


def squeezed(html: str) -> str:
    return re.sub(r"\s+", " ", html).replace("> <", "><").strip()


@pytest.mark.parametrize("language", ["en", "hr"])
@pytest.mark.parametrize("name", list(ENTRIES))
def test_the_tag_writes_what_the_template_wrote(name, language):
    from django.utils import translation

    entry = ENTRIES[name]
    engine = engines["django"]
    with translation.override(language), timezone.override("Europe/Zagreb"):
        expected = engine.from_string(TEMPLATE).render({"entry": entry})
        written = engine.from_string("{% load timeline_entries %}{% timeline_entry entry %}").render(
            {"entry": entry}
        )
    assert squeezed(written) == squeezed(expected.replace("{% load i18n display %}", ""))


def test_what_people_typed_is_escaped_and_the_instant_is_on_the_readers_clock():
    with timezone.override("Europe/Zagreb"):
        html = engines["django"].from_string("{% load timeline_entries %}{% timeline_entry entry %}").render(
            {"entry": ENTRIES["a note the customer reads"]}
        )
    assert "<script>" not in html
    assert html.count("&lt;script&gt;") == 2
    assert "<br>second" in html
    assert '<time datetime="2026-12-02T15:05:07.123456+01:00">' in html
