"""Names in lists sort the way each language's alphabet does.

Croatian sorts č and ć after c, dž after d, đ after dž, lj after l, nj after n, š after s and ž
after z; Romanian sorts ă and â after a, î after i, ș after s and ț after t (the old cedilla
forms ş and ţ count as ș and ț). English and Hindi follow the Unicode order of base letters
(Devanagari's code points are in its alphabet's order). Case and accents only break ties.
The lists sorted here are small (a tier's members, a department's contacts), so Python does it
the same way on PostgreSQL and on the embedded SQLite.
"""

import unicodedata
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

T = TypeVar("T")

# Each language's letters in order; a letter not listed sorts as its base letter.
_ALPHABETS = {
    "hr": ["a", "b", "c", "č", "ć", "d", "dž", "đ", "e", "f", "g", "h", "i", "j", "k", "l", "lj",
           "m", "n", "nj", "o", "p", "q", "r", "s", "š", "t", "u", "v", "w", "x", "y", "z", "ž"],
    "ro": ["a", "ă", "â", "b", "c", "d", "e", "f", "g", "h", "i", "î", "j", "k", "l", "m", "n",
           "o", "p", "q", "r", "s", "ș", "t", "ț", "u", "v", "w", "x", "y", "z"],
}
_SAME_AS = {"ş": "ș", "ţ": "ț"}
_DIGRAPHS = {"hr": ("dž", "lj", "nj")}


def _base(letter: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", letter) if not unicodedata.combining(c))


def _letters(text: str, language: str) -> list[str]:
    text = unicodedata.normalize("NFC", text.casefold())
    digraphs = _DIGRAPHS.get(language, ())
    letters: list[str] = []
    i = 0
    while i < len(text):
        pair = text[i : i + 2]
        if pair in digraphs:
            letters.append(pair)
            i += 2
            continue
        letters.append(_SAME_AS.get(text[i], text[i]))
        i += 1
    return letters


def sort_key(text: str, language: str) -> tuple[Any, ...]:
    """A key that orders ``text`` as ``language``'s readers expect ("Čačić" after "Cvitan" in hr)."""
    alphabet = _ALPHABETS.get(language.split("-")[0])
    primary: list[tuple[int, str]] = []
    for letter in _letters(text, language.split("-")[0]):
        if not letter.isalnum():
            continue
        if alphabet is None or letter not in alphabet:
            letter = _base(letter)
        if alphabet is not None and letter in alphabet:
            primary.append((0, f"{alphabet.index(letter):03d}"))
        else:
            primary.append((1, letter))
    return (primary, unicodedata.normalize("NFD", text.casefold()), text)


def sort_by_name(items: Iterable[T], language: str, name: Callable[[T], str] = str) -> list[T]:
    """``items`` ordered by ``name(item)`` in ``language``'s alphabet."""
    return sorted(items, key=lambda item: sort_key(name(item), language))
