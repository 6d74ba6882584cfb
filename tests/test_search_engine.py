"""The engine on the real knowledge base: decisions, candidates, and any input at all."""

from __future__ import annotations

import random
import time
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from polbot.knowledge import load_knowledge
from polbot.search import Engine, SearchResult
from polbot.search.tuning import Policy

KNOWLEDGE = Path(__file__).resolve().parents[1] / "knowledge"


@pytest.fixture(scope="module")
def kb():
    return load_knowledge(KNOWLEDGE)


@pytest.fixture(scope="module")
def engine(kb) -> Engine:
    return Engine(kb)


def assert_valid(result: SearchResult, kb) -> None:
    assert result.kind in ("answer", "smalltalk", "fallback")
    assert 0.0 <= result.score <= 1.0
    assert len(result.candidates) <= 3
    assert all(kb.page(c.id) is not None for c in result.candidates)
    scores = [c.score for c in result.candidates]
    assert scores == sorted(scores, reverse=True)
    if result.kind == "answer":
        assert result.page_id == result.candidates[0].id
    else:
        assert result.page_id is None
    assert (result.smalltalk_id is not None) == (result.kind == "smalltalk")


@pytest.mark.parametrize(
    ("question", "page"),
    [
        ("Wie moet ik trainen?", "train-de-juiste-mensen"),
        ("wijkmakelaars en spreekuren in de buurt", "versterken-van-vertrouwen"),
        ("evaluatiemethoden", "monitoren-en-evalueren"),
        ("hoeveel budget moet ik reserveren", "financiele-middelen"),
        ("wat doet de aandachtsfunctionaris", "capaciteit"),
        ("mailadres helpdesk", "contact"),
        ("rechtsextremisme", "radicalisering"),
        ("signaleringsnetwerk", "vroegtijdige-signalering"),
        ("traningen polarisatie", "verbreden-van-de-kennis train-de-juiste-mensen"),
        ("IVP", "integrale-visie-en-strategie"),
    ],
)
def test_answers_with_the_page_that_holds_the_answer(engine, question: str, page: str) -> None:
    result = engine.search(question)
    assert result.kind == "answer"
    assert result.page_id in page.split()


@pytest.mark.parametrize(
    "question",
    [
        "hoe vraag ik een parkeervergunning aan",
        "wat is het weer",
        "qwerty",
        "vertel een mop",
        "wanneer is het zwembad open",
        "ik wil mijn paspoort verlengen",
    ],
)
def test_out_of_scope_questions_go_to_the_fallback(engine, question: str) -> None:
    result = engine.search(question)
    assert result.kind == "fallback"
    assert result.page_id is None


@pytest.mark.parametrize(
    ("message", "intent"),
    [
        ("hoi", "greeting"),
        ("Goedemorgen!", "greeting"),
        ("dank u wel", "thanks"),
        ("tot ziens", "goodbye"),
        ("wie ben jij", "who-are-you"),
    ],
)
def test_smalltalk_comes_from_the_knowledge_base_examples(engine, message, intent) -> None:
    result = engine.search(message)
    assert (result.kind, result.smalltalk_id) == ("smalltalk", intent)


@pytest.mark.parametrize(
    "question",
    ["budget voor polarisatie", "signaleringsnetwerk opzetten", "training voor wijkagenten"],
)
@pytest.mark.parametrize(("vague", "telling"), [("vandaag", "uittreksel"), ("zeker", "rijbewijs")])
def test_a_rare_unknown_word_lowers_the_confidence_more_than_an_everyday_one(
    engine, question: str, vague: str, telling: str
) -> None:
    plain = engine.search(question)
    with_vague = engine.search(f"{question} {vague}")
    with_telling = engine.search(f"{question} {telling}")
    assert with_vague.kind == "answer"
    assert with_vague.page_id == plain.page_id
    assert with_telling.score < with_vague.score


@pytest.mark.parametrize(
    "question",
    ["wat kost een uittreksel", "hoeveel kost een parkeervergunning", "gemeentehuis open"],
)
def test_a_handbook_word_beside_a_telling_unknown_one_is_not_enough(engine, question) -> None:
    # "kost" and "gemeente" are handbook words, but the question is about something else.
    assert engine.search(question).kind == "fallback"


def test_a_greeting_with_a_question_is_answered_as_a_question(engine) -> None:
    result = engine.search("hallo, welke financiële middelen heb ik nodig?")
    assert (result.kind, result.page_id) == ("answer", "financiele-middelen")


def test_words_every_page_shares_do_not_make_a_confident_answer(engine) -> None:
    result = engine.search("gemeente aanpak polarisatie")
    assert not result.direct


@pytest.mark.parametrize(
    ("policy", "direct"),
    [
        (Policy(), True),
        (Policy(direct_at=1.0), False),  # never sure enough
        (Policy(near=0.0), False),  # any other page is near
    ],
)
def test_an_answer_is_direct_only_when_sure_and_clearly_ahead(kb, policy, direct) -> None:
    result = Engine(kb, policy=policy).search("Wie moet ik trainen?")
    assert (result.kind, result.page_id) == ("answer", "train-de-juiste-mensen")
    assert result.direct is direct


def test_below_the_answer_threshold_the_handbook_has_no_answer(kb) -> None:
    result = Engine(kb, policy=Policy(answer_at=1.0)).search("Wie moet ik trainen?")
    assert (result.kind, result.page_id) == ("fallback", None)
    assert result.candidates[0].id == "train-de-juiste-mensen"


@pytest.mark.parametrize(
    ("question", "page"),
    [
        ("Wat is polarisatie?", "definitie"),
        ("Wie moet ik trainen?", "train-de-juiste-mensen"),
        ("Wat doet een aandachtsfunctionaris?", "capaciteit"),
        ("wat is polarisatie", "definitie"),
        ("Wat is polarsatie?", "definitie"),  # a typo
        ("Hoi! Wat is polarisatie? Groet, Sanne", "definitie"),
    ],
)
def test_the_issue_questions_are_answered_straight_away(engine, question, page) -> None:
    result = engine.search(question)
    assert (result.kind, result.page_id, result.direct) == ("answer", page, True)


def test_every_menu_button_label_is_answered_by_its_page_straight_away(kb, engine) -> None:
    for entry in kb.home.menu:
        if entry.page:
            result = engine.search(entry.label)
            assert (result.kind, result.page_id, result.direct) == ("answer", entry.page, True)


def _with_questions(kb, page_id: str, questions) -> object:
    pages = tuple(
        page.model_copy(update={"questions": tuple(questions)}) if page.id == page_id else page
        for page in kb.pages
    )
    return replace(kb, pages=pages)


def test_an_example_question_is_the_content_owners_lever(kb) -> None:
    # The content owner adds a wording users type; from then on it is answered by that page
    # straight away, typos and a greeting included.
    question = "Hoe zit het met de poen voor polarisatie?"
    page = kb.page("financiele-middelen")
    before = Engine(kb).search(question)
    after_kb = _with_questions(kb, page.id, (*page.questions, question))
    engine = Engine(after_kb)
    for asked in (question, "hoe zit het met de poen voor polarizatie", f"Hallo, {question}"):
        after = engine.search(asked)
        assert (after.kind, after.page_id, after.direct) == ("answer", page.id, True), asked
        assert after.score == 1.0 > before.score  # the owner's example is a promise


def test_removing_an_example_question_makes_its_answer_weaker(kb) -> None:
    page = kb.page("definitie")
    question = page.questions[0]
    kept = Engine(kb).search(question)
    assert (kept.kind, kept.page_id, kept.direct, kept.score) == ("answer", page.id, True, 1.0)
    without = _with_questions(kb, page.id, page.questions[1:])
    assert Engine(without).search(question).score < kept.score


def test_an_example_two_pages_share_belongs_to_neither(kb) -> None:
    question = "Hoe zit het met de poen voor polarisatie?"
    shared = _with_questions(kb, "financiele-middelen", (question,))
    pages = tuple(
        page.model_copy(update={"questions": (*page.questions, question)})
        if page.id == "capaciteit"
        else page
        for page in shared.pages
    )
    result = Engine(replace(kb, pages=pages)).search(question)
    assert result.score < 1.0


def test_the_same_question_gets_the_same_result(engine) -> None:
    assert engine.search("risicoanalyse") == engine.search("risicoanalyse")


def test_a_result_does_not_depend_on_what_was_asked_before(kb, monkeypatch) -> None:
    # Small caches that fill and evict many times over: whatever a cache holds, a question
    # gets the result it gets when asked first.
    from polbot.search import analysis, analyzer, lexicon
    from polbot.search.bench import sample_questions

    for module in (analysis, analyzer, lexicon):
        monkeypatch.setattr(module, "CACHE_SIZE", 16)
    asked = sample_questions(kb, 300, random.Random(5))  # a third with a typo
    first = Engine(kb)
    results = [first.search(question) for question in asked]
    engine = Engine(kb)
    for question in sample_questions(kb, 5_000, random.Random(6)):
        engine.search(question)
    assert [engine.search(question) for question in asked] == results


def test_fallback_still_offers_candidates(engine) -> None:
    result = engine.search("parkeervergunning voor de wijkagent")
    assert result.candidates


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t",
        "x" * 100_000,
        "polarisatie " * 10_000,
        "😀🎉🔥",
        "\x00\x07\x1b[31m",
        "مرحبا كيف حالك",
        "<script>alert('x')</script>",
        "'; DROP TABLE pages; --",
        "42",
        "a-b-c-d-e-f-g-h-i-j-k-l-m-n-o-p-q-r-s-t-u-v-w-x-y-z" * 50,
    ],
)
def test_bad_input_gets_a_valid_result_quickly(engine, kb, text: str) -> None:
    start = time.perf_counter()
    result = engine.search(text)
    assert time.perf_counter() - start < 1.0
    assert_valid(result, kb)
    assert result.question == text


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=300))
def test_any_string_gets_a_valid_result_in_bounded_time(engine, kb, text: str) -> None:
    start = time.perf_counter()
    result = engine.search(text)
    assert time.perf_counter() - start < 0.5
    assert_valid(result, kb)


def test_passages_rank_a_pages_paragraphs_items_and_rows_for_a_question(engine) -> None:
    # The answering sentence is in the second paragraph; the first is also the summary.
    question = "Wie moet er bij ons de portefeuille polarisatie trekken?"
    ranked = engine.passages("borging-portefeuille", question)
    assert [(p.kind, p.index) for p in ranked[:2]] == [("paragraph", 0), ("paragraph", 1)]
    scores = [p.score for p in ranked]
    assert scores == sorted(scores, reverse=True) and scores[-1] > 0
    # A table row and a list item are passages too, found by the same analysis (typo fixed).
    rows = engine.passages("train-de-juiste-mensen", "wat leert een baliemedewrker?")
    assert ("row", 0, 2) in [(p.kind, p.group, p.index) for p in rows]
    items = engine.passages("ketenpartners", "religieuze organisaties")
    assert ("item", 0, 3) in [(p.kind, p.group, p.index) for p in items]


@pytest.mark.parametrize(
    ("page_id", "text"),
    [("bestaat-niet", "polarisatie"), ("capaciteit", "Hallo!"), ("capaciteit", "")],
)
def test_no_passages_for_an_unknown_page_smalltalk_or_nothing(engine, page_id, text) -> None:
    assert engine.passages(page_id, text) == ()
