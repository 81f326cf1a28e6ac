"""Names sort in each language's alphabetical order (core.collation)."""

import pytest
from django.utils import translation

from core.collation import sort_by_name
from tickets.views.common import tier_members

CROATIAN = ["Ana", "Cvitan", "Čačić", "Ćorić", "Dinić", "Džeko", "Đurić", "Lovrić", "Ljubić",
            "Nola", "Njegoš", "Sanja", "Šarić", "Zorić", "Žužul"]
ROMANIAN = ["Avram", "Ăla", "Âncă", "Ion", "Înscris", "Sandu", "Ștefan", "Tudor", "Țurcanu"]


@pytest.mark.parametrize(("language", "ordered"), [("hr", CROATIAN), ("ro", ROMANIAN)])
def test_names_sort_in_the_language_s_alphabet(language, ordered):
    assert sort_by_name(reversed(ordered), language) == ordered


def test_the_old_cedilla_letters_sort_with_the_comma_below_ones():
    assert sort_by_name(["Tudor", "Şerban", "Sandu", "Ştefan"], "ro") == ["Sandu", "Şerban", "Ştefan", "Tudor"]


def test_english_ignores_accents_and_case_except_to_break_ties():
    assert sort_by_name(["Zoe", "Émile", "eve", "Adam"], "en") == ["Adam", "Émile", "eve", "Zoe"]


def test_hindi_names_follow_the_devanagari_alphabet():
    assert sort_by_name(["मोहन", "अमित", "कविता", "गीता"], "hi") == ["अमित", "कविता", "गीता", "मोहन"]


def test_the_assign_menu_lists_members_in_the_reader_s_order(org, client):
    org.ioana.first_name, org.ioana.last_name = "Čedo", "Ban"
    org.ioana.save()
    org.marko.first_name, org.marko.last_name = "Cvita", "Horvat"
    org.marko.save()
    with translation.override("hr"):
        names = [u.get_full_name() for u in tier_members(org.t2)]
    assert names == ["Cvita Horvat", "Čedo Ban"]
