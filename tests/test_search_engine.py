"""The engine on the real knowledge base: decisions, candidates, and any input at all."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from polbot.knowledge import load_knowledge
from polbot.search import Engine, SearchResult
from polbot.search.engine import Tuning

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
    assert result.kind == "fallback" or result.doubtful


def test_a_close_second_page_makes_the_answer_doubtful(kb) -> None:
    doubtful = Engine(kb, tuning=Tuning(min_margin=1.0)).search("Wie moet ik trainen?")
    assert doubtful.kind == "answer" and doubtful.doubtful


def test_the_same_question_gets_the_same_result(engine) -> None:
    assert engine.search("risicoanalyse") == engine.search("risicoanalyse")


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
