"""Reading the translation catalogues (locale/<language>/LC_MESSAGES/django.po) in tests."""

import re
from functools import cache
from pathlib import Path

import polib
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale"
TRANSLATED = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]

# What a translation must keep: %(name)s / %(n)d placeholders, %s, and {name} (format_lazy).
PLACEHOLDER = re.compile(r"%\([a-z_0-9]+\)[sdfir]|%[sd]|\{[a-z_0-9]*\}")

# The plural form each count takes (the gettext index), per language.
PLURAL_INDEX = {
    "hr": {0: 2, 1: 0, 2: 1, 5: 2, 21: 0, 101: 0},
    "ro": {0: 1, 1: 0, 2: 1, 5: 1, 21: 2, 101: 1},
    "hi": {0: 1, 1: 0, 2: 1, 5: 1, 21: 1, 101: 1},
}
COUNTS = (0, 1, 2, 5, 21, 101)


def po_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "django.po"


@cache
def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(po_path(language)))


def translations(entry: polib.POEntry) -> list[str]:
    if entry.msgid_plural:
        return [entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural)]
    return [entry.msgstr]
