"""Counts read right in every language: Croatian and Romanian have three forms, Hindi two."""

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.translation import ngettext

from tests.locale.catalogues import COUNTS, PLURAL_INDEX, TRANSLATED, catalogue


@pytest.mark.parametrize("language", TRANSLATED)
@pytest.mark.parametrize("count", COUNTS)
def test_every_plural_message_takes_the_form_of_the_count(language, count):
    entries = [e for e in catalogue(language) if e.msgid_plural and not e.msgctxt]
    assert entries, "the catalogue has no plural messages"
    form = PLURAL_INDEX[language][count]
    with translation.override(language):
        for entry in entries:
            assert ngettext(entry.msgid, entry.msgid_plural, count) == entry.msgstr_plural[form]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        # 0, 1, 2, 5, 21, 101 open tickets, as the queue heading says it.
        ("hr", ["zahtjeva", "zahtjev", "zahtjeva", "zahtjeva", "zahtjev", "zahtjev"]),
        ("ro", ["tichete", "tichet", "tichete", "tichete", "de tichete", "tichete"]),
        ("hi", ["टिकट", "टिकट", "टिकट", "टिकट", "टिकट", "टिकट"]),
    ],
)
def test_a_count_in_a_template_reads_as_the_language_says_it(language, expected):
    template = Template(
        "{% load i18n %}{% blocktranslate count n=n %}{{ n }} open now.{% plural %}"
        "{{ n }} open now.{% endblocktranslate %}"
    )
    with translation.override(language):
        said = [template.render(Context({"n": n})) for n in COUNTS]
    for text, n, word in zip(said, COUNTS, expected, strict=True):
        assert f"{n} {word}" in text, text


