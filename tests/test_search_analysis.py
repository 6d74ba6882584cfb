"""The analysis chain, step by step: Dutch input -> terms."""

from __future__ import annotations

import pytest

from polbot.search.analysis import (
    Stemmer,
    Token,
    correct,
    decompound,
    expand_abbreviations,
    expand_synonyms,
    fold,
    normalize,
    stem,
    stop,
    tokenize,
    weaken,
)
from polbot.search.analyzer import Analyzer
from polbot.search.lexicon import Decompounder, SpellingCorrector, dutch, max_typo_distance

STOPWORDS = dutch().stopwords


def texts(tokens) -> list[str]:
    return [t.text for t in tokens]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ﬁnanciële", "financiële"),  # ligature
        ("ＩＶＰ", "IVP"),  # full-width letters
        ("e\u0301", "é"),  # combining accent composed
    ],
)
def test_normalize_makes_compatibility_forms_plain(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Wie moet ik trainen?", ["Wie", "moet", "ik", "trainen"]),
        ("KIS e-learning", ["KIS", "e-learning", "e", "learning"]),
        ("5G-zendmasten", ["5G-zendmasten", "5G", "zendmasten"]),
        ("mail VeiligheidsAlliantie@rotterdam.nl", ["mail", "VeiligheidsAlliantie@rotterdam.nl"]),
        ("zwart-wit visie", ["zwart-wit", "zwart", "wit", "visie"]),
        ("", []),
        ("!!! ??? ...", []),
        ("x" * 41 + " kort", ["kort"]),
    ],
)
def test_tokenize_keeps_hyphenated_words_and_addresses_whole(text: str, expected) -> None:
    assert texts(tokenize(text)) == expected


def test_hyphen_parts_share_the_position_of_their_word() -> None:
    tokens = list(tokenize("KIS e-learning"))
    assert {t.pos for t in tokens if t.text in ("e-learning", "learning")} == {1}
    assert all(t.weight < 1 for t in tokens if t.text == "learning")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Interveniëren", ["intervenieren"]),
        ("FINANCIËLE middelen", ["financiele", "middelen"]),
        ("Coördinerende rol", ["coordinerende", "rol"]),
        ("geëvalueerd", ["geevalueerd"]),
        ("creëer participatie", ["creeer", "participatie"]),
    ],
)
def test_fold_removes_case_and_accents(text: str, expected) -> None:
    assert texts(fold(tokenize(text))) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Wie moet ik trainen?", ["wie", "trainen"]),
        ("Hoe vraag ik een subsidie aan?", ["hoe", "vraag", "subsidie"]),
        ("Wat is de definitie van polarisatie?", ["wat", "definitie", "polarisatie"]),
        ("ik heb het er binnen de organisatie over", ["organisatie"]),
        ("jij ben het", []),
    ],
)
def test_stop_drops_dutch_function_words(text: str, expected) -> None:
    assert texts(stop(fold(tokenize(text)), STOPWORDS)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Wie trainen", [("wie", 0.3), ("trainen", 1.0)]),
        ("welke partners", [("welke", 0.3), ("partners", 1.0)]),
        ("hoe waar wanneer", [("hoe", 0.3), ("waar", 0.3), ("wanneer", 0.3)]),
    ],
)
def test_weaken_keeps_question_words_with_a_low_weight(text: str, expected) -> None:
    tokens = weaken(fold(tokenize(text)), dutch().question_words)
    assert [(t.text, t.weight) for t in tokens] == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("gemeente", "gemeent"),
        ("gemeenten", "gemeent"),
        ("jongerenwerkers", "jongerenwerker"),
        ("gegevensdeling", "gegevensdel"),
        ("getraind", "train"),
        ("trainingen", "train"),
        ("communiceren", "communicatie"),
        ("gemonitord", "monitor"),
        ("signalen", "signal"),
        ("e-learning", "e-learning"),
        ("5g", "5g"),
    ],
)
def test_stem_uses_dutch_porter_after_the_overrides(word: str, expected: str) -> None:
    overrides = dutch().stem_overrides
    assert texts(stem([Token(word, 0)], "dutch_porter", overrides)) == [expected]


def test_default_dutch_stemmer_would_mangle_gemeente() -> None:
    # Why the chain uses dutch_porter: Kraaij-Pohlmann conflates gemeente with "meen".
    assert Stemmer("dutch", {})("gemeente") == "meen"
    assert Stemmer("dutch_porter", {})("gemeente") == "gemeent"


KNOWN = frozenset(
    [
        "signalering",
        "netwerk",
        "netwerken",
        "extremisme",
        "jongeren",
        "werkers",
        "risico",
        "analyse",
        "wijk",
        "agenten",
        "welzijn",
        "beleid",
        "adviseur",
        "veiligheid",
        "plan",
    ]
)


@pytest.mark.parametrize(
    ("word", "parts"),
    [
        ("signaleringsnetwerk", ("signalering", "netwerk")),
        ("rechtsextremisme", ("extremisme",)),
        ("jongerenwerkers", ("jongeren", "werkers")),
        ("risicoanalyse", ("risico", "analyse")),
        ("wijkagenten", ("wijk", "agenten")),
        ("welzijnswerkers", ("welzijn", "werkers")),
        ("beleidsadviseur", ("beleid", "adviseur")),
        ("veiligheidsplan", ("veiligheid", "plan")),
        ("parkeervergunning", ()),
        ("netwerk", ()),
        ("wijk", ()),
    ],
)
def test_decompounder_splits_on_known_parts_with_linking_s_and_en(word: str, parts) -> None:
    split = Decompounder(KNOWN.__contains__, dutch().compound_links)
    assert split(word) == parts


def test_decompound_adds_parts_as_weaker_alternatives() -> None:
    split = Decompounder(KNOWN.__contains__, dutch().compound_links)
    tokens = list(decompound([Token("signaleringsnetwerk", 3)], split))
    assert texts(tokens) == ["signaleringsnetwerk", "signalering", "netwerk"]
    assert {t.pos for t in tokens} == {3}
    assert [t.weight < 1 for t in tokens] == [False, True, True]


@pytest.mark.parametrize(
    ("word", "distance"),
    [("rol", 0), ("wijk", 0), ("kaart", 1), ("visie", 1), ("netwerk", 1), ("trainingen", 2)],
)
def test_typo_distance_grows_with_word_length(word: str, distance: int) -> None:
    assert max_typo_distance(word) == distance


VOCABULARY = ["trainingen", "risicoanalyse", "monitoren", "communicatie", "polarisatie", "rol"]


@pytest.mark.parametrize(
    ("typo", "expected"),
    [
        ("traningen", "trainingen"),
        ("risicoanalise", "risicoanalyse"),
        ("monitorren", "monitoren"),
        ("comunicatie", "communicatie"),
        ("polarizatie", "polarisatie"),
        ("polarisatei", "polarisatie"),  # two letters swapped: one edit
        ("rel", None),  # short words are never corrected
        ("parkeervergunning", None),
    ],
)
def test_spelling_corrector_finds_the_nearest_vocabulary_word(typo: str, expected) -> None:
    assert SpellingCorrector(VOCABULARY)(typo) == expected


def test_correct_replaces_the_word_and_lowers_its_weight() -> None:
    [token] = correct([Token("traningen", 0)], SpellingCorrector(VOCABULARY))
    assert token.text == "trainingen"
    assert token.weight < 1


def test_abbreviations_expand_to_their_words() -> None:
    table = {"ivp": ("integraal", "veiligheidsplan")}
    tokens = list(expand_abbreviations([Token("ivp", 0), Token("polarisatie", 1)], table))
    assert texts(tokens) == ["ivp", "integraal", "veiligheidsplan", "polarisatie"]
    assert [t.pos for t in tokens] == [0, 0, 0, 1]


def test_multiword_synonym_covers_every_position_of_its_match() -> None:
    groups = {("regierol",): (("coordinatie", "rol"),), ("coordinatie", "rol"): (("regierol",),)}
    tokens = list(expand_synonyms([Token("coordinatie", 0), Token("rol", 1)], groups))
    assert {(t.text, t.pos) for t in tokens if t.text == "regierol"} == {
        ("regierol", 0),
        ("regierol", 1),
    }


HANDBOOK_SNIPPETS = [
    "Investeer in signaleringsnetwerken met jongerenwerkers en wijkagenten.",
    "Voer een goede risicoanalyse uit en werk aan het vertrouwen in de overheid.",
    "Trainingen over polarisatie en extremisme voor de afspraak met de burgemeester.",
]


@pytest.fixture(scope="module")
def small_analyzer() -> Analyzer:
    return Analyzer(
        HANDBOOK_SNIPPETS,
        synonyms=[["wijkagent", "buurtagent"]],
        abbreviations={"IVP": "Integraal Veiligheidsplan"},
    )


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Wie moet ik trainen?", ["wie", "train"]),
        ("risicoanalise", ["risicoanalys"]),
        ("rechtsextremisme", ["rechtsextremism", "extremism"]),
        ("buurtagent", ["buurtagent", "wijkagent"]),
        ("IVP", ["ivp", "integral", "veiligheidsplan"]),
        ("Vertrouwen in de overheid", ["vertrouw", "over"]),
        ("", []),
    ],
)
def test_question_chain_corrects_splits_and_expands(small_analyzer, question, expected) -> None:
    assert texts(small_analyzer.question(question)) == expected


def test_a_real_dutch_word_is_not_corrected_into_a_handbook_word() -> None:
    # "afspraak" is two edits from "inspraak", but it is a common Dutch word, not a typo.
    analyzer = Analyzer(["Geef inwoners inspraak."])
    assert texts(analyzer.question("afspraak")) == ["afsprak"]
    assert texts(analyzer.question("inspraakk")) == ["insprak"]
