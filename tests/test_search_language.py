"""General Dutch knowledge of the search engine: word frequencies, how informative a word
is, and the base words of inflections the stemmer leaves apart."""

from __future__ import annotations

import pytest

from polbot.search.analysis import Stemmer, base_forms
from polbot.search.analyzer import Analyzer
from polbot.search.lexicon import (
    family_frequency,
    informativeness,
    is_common_word,
    word_frequencies,
)


def texts(tokens) -> list[str]:
    return [t.text for t in tokens]


@pytest.mark.parametrize(
    ("common", "rarer"),
    [
        ("de", "gemeente"),
        ("gemeente", "polarisatie"),
        ("vandaag", "rijbewijs"),
        ("eigenlijk", "uittreksel"),
        ("maken", "signalering"),
    ],
)
def test_word_frequencies_rank_everyday_dutch_above_rarer_words(common, rarer) -> None:
    frequencies = word_frequencies()
    assert frequencies[common] > frequencies[rarer]


def test_word_frequencies_are_folded_zipf_values() -> None:
    frequencies = word_frequencies()
    assert len(frequencies) > 50_000
    assert all(0 < zipf < 8 for zipf in frequencies.values())
    assert "financiele" in frequencies  # accents folded, as the analysis chain does
    assert "financiële" not in frequencies


@pytest.mark.parametrize("word", ["afspraak", "uittreksel", "parkeren", "inspraak"])
def test_listed_words_of_five_letters_or_more_are_common_words(word) -> None:
    assert is_common_word(word)


@pytest.mark.parametrize("word", ["wijk", "rol", "traningen", "polarizatie", "qwerty"])
def test_short_and_unlisted_words_are_not_common_words(word) -> None:
    assert not is_common_word(word)


@pytest.mark.parametrize(
    ("vague", "telling"),
    [
        ("eigenlijk", "rijbewijs"),
        ("vandaag", "bibliotheek"),
        ("maken", "uittreksel"),
        ("precies", "parkeervergunning"),
        ("slecht", "grofvuil"),
    ],
)
def test_a_more_common_word_is_less_informative(vague, telling) -> None:
    def info(word: str) -> float:
        return informativeness(word, 3.0, 5.5, 0.1)

    assert info(vague) < info(telling)


@pytest.mark.parametrize("word", ["qwerty", "asdfgh", "weerbaarder", "zzzzz"])
def test_an_unlisted_word_is_fully_informative(word) -> None:
    assert informativeness(word, 3.0, 5.5, 0.1) == 1.0


def test_informativeness_has_its_floor_for_the_most_common_words() -> None:
    assert informativeness("de", 3.0, 5.5, 0.1) == pytest.approx(0.1)


@pytest.mark.parametrize(
    ("word", "base"),
    [
        ("weerbaarder", "weerbaar"),  # comparative
        ("sterkere", "sterk"),
        ("sneller", "snel"),  # doubled consonant
        ("groter", "groot"),  # long vowel written once
        ("kleinste", "klein"),  # superlative
        ("duidelijkst", "duidelijk"),
        ("groepje", "groep"),  # diminutives
        ("gesprekje", "gesprek"),
        ("getraind", "trainen"),  # past participles
        ("geevalueerd", "evalueren"),
        ("georganiseerd", "organiseren"),
        ("opgezet", "opzetten"),  # separable verbs
        ("aangepakt", "aanpakken"),
        ("ingezet", "inzetten"),
        ("herkend", "herkennen"),  # participle without ge-
        ("betaald", "betalen"),
        ("moskeeen", "moskee"),  # plurals in -en after a vowel (moskeeën, theorieën)
        ("theorieen", "theorie"),
    ],
)
def test_base_forms_include_the_base_word(word: str, base: str) -> None:
    assert base in base_forms(word)


@pytest.mark.parametrize("word", ["5g-masten", "info@var.nl", "rol", "2024"])
def test_base_forms_leave_short_words_and_non_words_alone(word: str) -> None:
    assert list(base_forms(word)) == []


SNIPPETS = ["Maak jongeren weerbaar.", "Zet een netwerk op en evalueer de aanpak."]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("weerbaarder", ["weerbar"]),
        ("netwerkje", ["netwerk"]),
    ],
)
def test_a_rare_inflection_is_analysed_as_its_known_base_word(question, expected) -> None:
    assert texts(Analyzer(SNIPPETS).question(question)) == expected


def test_a_common_word_is_not_taken_for_an_inflection() -> None:
    # "gedicht" looks like a participle of "dichten", but it is a word of its own.
    analyzer = Analyzer(["De deur is dicht."])
    assert texts(analyzer.question("gedicht")) == ["gedicht"]


@pytest.mark.parametrize(
    ("plural", "singular"),
    [
        ("cursussen", "cursus"),
        ("gemeenschappen", "gemeenschap"),
        ("bellen", "bel"),
        ("ballen", "bal"),
        ("pakken", "pak"),
    ],
)
def test_stemmer_undoubles_a_spelling_consonant(plural: str, singular: str) -> None:
    stemmer = Stemmer("dutch_porter", {})
    assert stemmer(plural) == stemmer(singular)


def test_parts_of_a_common_word_the_handbook_lacks_weigh_less() -> None:
    # "gemeentehuis" is a Dutch word of its own; "gemeentenetwerk" is only its parts.
    analyzer = Analyzer(["Het netwerk van de gemeente."])
    [common_part] = [t for t in analyzer.question("gemeentehuis") if t.text == "gemeent"]
    [rare_part] = [t for t in analyzer.question("gemeentenetwerk") if t.text == "gemeent"]
    assert common_part.weight < rare_part.weight


@pytest.mark.parametrize("typo", ["egenlijk", "eigenlik", "allemal", "zouen"])
def test_a_misspelt_stop_word_is_dropped(typo: str) -> None:
    analyzer = Analyzer(["Evalueer de aanpak van polarisatie."])
    assert texts(analyzer.question(f"aanpak {typo}")) == ["aanpak"]


@pytest.mark.parametrize(
    ("typo", "family"),
    [
        ("coocrdinatie", "coordinatie"),  # the handbook says "coördinerende"
        ("evaluatei", "evaluatie"),  # the handbook says "evalueren"
    ],
)
def test_a_typo_of_another_form_of_a_handbook_word_is_corrected(typo: str, family: str) -> None:
    analyzer = Analyzer(["De coördinerende rol: evalueren en bijsturen."])
    assert texts(analyzer.question(typo)) == [analyzer.stemmer(family)]


@pytest.mark.parametrize(
    ("typo", "word"),
    [("roesultaten", "resultaten"), ("glemeentehuis", "gemeentehuis"), ("rijbewjis", "rijbewijs")],
)
def test_a_typo_of_a_common_word_is_as_common_as_that_word(typo: str, word: str) -> None:
    assert typo not in word_frequencies()
    assert family_frequency(typo) == word_frequencies()[word]


@pytest.mark.parametrize(("form", "word"), [("uitkom", "uitkomen"), ("cursussen", "cursus")])
def test_a_word_is_as_common_as_its_most_common_form(form: str, word: str) -> None:
    assert family_frequency(form) >= word_frequencies()[word]


@pytest.mark.parametrize("word", ["qwerty", "asdfgh", "zxcvbnm"])
def test_garbage_has_no_frequency(word: str) -> None:
    assert family_frequency(word) is None


def test_a_typo_nearer_to_a_common_word_is_not_taken_for_a_handbook_word() -> None:
    # "afsprak" is one edit from "afspraak" and two from the handbook's "inspraak".
    analyzer = Analyzer(["Geef inwoners inspraak."])
    assert texts(analyzer.question("afsprak")) == [analyzer.stemmer("afspraak")]
    assert texts(analyzer.question("insprak")) == [analyzer.stemmer("inspraak")]
