"""Every message the product shows has a whole, current translation in hr, hi and ro."""

import shutil
import subprocess
import sys

import polib
import pytest
from django.conf import settings

from tests.locale.catalogues import (
    LOCALE,
    PLACEHOLDER,
    TRANSLATED,
    catalogue,
    po_path,
    translations,
)

each_language = pytest.mark.parametrize("language", TRANSLATED)

NPLURALS = {"hr": 3, "ro": 3, "hi": 2}


@each_language
def test_every_message_is_translated_and_none_is_fuzzy(language):
    po = catalogue(language)
    assert len(po) > 900, "the catalogue looks truncated"
    untranslated = [e.msgid for e in po if not all(s.strip() for s in translations(e))]
    fuzzy = [e.msgid for e in po if "fuzzy" in e.flags]
    obsolete = [e.msgid for e in po.obsolete_entries()]
    assert untranslated == [], f"{language}: {len(untranslated)} without a translation"
    assert fuzzy == [], f"{language}: fuzzy entries {fuzzy[:5]}"
    assert obsolete == [], f"{language}: obsolete entries {obsolete[:5]}"


@each_language
def test_plural_messages_have_every_form_of_the_language(language):
    po = catalogue(language)
    assert f"nplurals={NPLURALS[language]};" in po.metadata["Plural-Forms"]
    for entry in po:
        if entry.msgid_plural:
            assert sorted(entry.msgstr_plural) == list(range(NPLURALS[language])), entry.msgid


@each_language
def test_translations_keep_every_placeholder(language):
    wrong = []
    for entry in catalogue(language):
        wanted = set(PLACEHOLDER.findall(entry.msgid)) | set(PLACEHOLDER.findall(entry.msgid_plural))
        for text in translations(entry):
            found = set(PLACEHOLDER.findall(text))
            # A singular may spell out "one" instead of %(n)s; it may not invent a placeholder.
            if not found <= wanted or (not entry.msgid_plural and found != wanted):
                wrong.append((entry.msgid, text))
    assert wrong == []


def test_romanian_uses_comma_below_letters_never_cedillas():
    cedillas = [e.msgid for e in catalogue("ro") if any(c in "".join(translations(e)) for c in "şţŞŢ")]
    assert cedillas == []


@each_language
def test_the_compiled_catalogue_matches_the_source(language):
    """The committed .mo is what `make messages` compiles from the .po (a stale one would
    show old or English text)."""
    compiled = {
        (e.msgctxt, e.msgid): translations(e)
        for e in polib.mofile(str(po_path(language).with_suffix(".mo")))
        if e.msgid
    }
    source = {(e.msgctxt, e.msgid): translations(e) for e in catalogue(language)}
    assert compiled == source


@each_language
def test_no_marked_string_is_missing_from_the_catalogue(language, tmp_path):
    """Run makemessages into a scratch copy: every msgid the code marks today must be in the
    committed catalogue (so none shows in English), and the catalogue holds nothing stale.
    GNU gettext does the extracting; scripts/ensure-services.sh installs it for make test."""
    assert shutil.which("xgettext"), "GNU gettext is missing: run make test (it installs it)"
    scratch = tmp_path / "locale"
    shutil.copytree(LOCALE, scratch)
    subprocess.run(
        [sys.executable, "scripts/messages.py", "--locale-dir", str(scratch), "--only", language, "--no-compile"],
        cwd=settings.BASE_DIR, check=True, capture_output=True,
    )
    fresh = polib.pofile(str(scratch / language / "LC_MESSAGES" / "django.po"))
    marked = {(e.msgctxt, e.msgid) for e in fresh if not e.obsolete}
    committed = {(e.msgctxt, e.msgid) for e in catalogue(language)}
    assert sorted(marked - committed, key=str) == [], "marked in the code but not translated"
    assert sorted(committed - marked, key=str) == [], "translated but no longer in the code"
