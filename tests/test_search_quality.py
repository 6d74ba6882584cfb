"""The engine's quality gate on the dev questions and on the engineer's own held-out set.

The dev figures are the issue's "Done when"; the own held-out set (written before tuning)
guards against tuning to the dev questions alone.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from polbot.knowledge import load_knowledge
from polbot.search import Engine
from polbot.search.analysis import fold_word
from polbot.search.evaluation import evaluate, leave_one_out, load_cases, without_questions

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT.parent / "shared" / "eval" / "dev.yaml"
OWN = ROOT / "tests" / "data" / "heldout-own.yaml"
OWN2 = ROOT / "tests" / "data" / "heldout-own2.yaml"
OUT_OF_SCOPE = ROOT / "tests" / "data" / "out-of-scope-own.yaml"
OWN3 = ROOT / "tests" / "data" / "heldout-own3.yaml"
INDEPENDENT = ROOT / "tests" / "data" / "heldout-independent.yaml"
# Leave-one-out over the example questions, at its measured level (see
# scripts/search_figures.py): a drop means the engine copes worse with unseen wording.
# 75.8% with the everyday-synonym data: two questions fewer than without it, while the
# lead's independently written check sets gained.
LOO_TOP1 = 0.75
LOO_TOP3 = 0.89
LOO_WRONG_FALLBACK = 6


@pytest.fixture(scope="module")
def kb():
    return load_knowledge(ROOT / "knowledge")


@pytest.fixture(scope="module")
def engine(kb) -> Engine:
    return Engine(kb)


def misses(report) -> str:
    return "\n".join(
        f"{m.case.question!r}: expected {m.case.expect}, got {m.result.kind} {m.result.page_id}"
        for m in report.misses
    )


@pytest.mark.skipif(not DEV.exists(), reason=f"dev questions not found at {DEV}")
def test_dev_questions_meet_the_issue_figures(engine) -> None:
    report = evaluate(engine, load_cases(DEV))
    assert report.top1_rate >= 0.95, misses(report)
    assert report.top3_rate >= 0.98, misses(report)
    assert report.smalltalk_rate == 1.0, misses(report)
    assert report.deflected_rate == 1.0, misses(report)
    assert report.wrong_fallback <= 1, misses(report)


def test_own_held_out_questions_stay_at_their_measured_level(engine) -> None:
    report = evaluate(engine, load_cases(OWN))
    assert report.top1_rate >= 0.95, misses(report)
    assert report.top3_rate >= 0.97, misses(report)
    assert report.smalltalk_rate == 1.0, misses(report)
    assert report.deflected_rate >= 0.85, misses(report)
    assert report.wrong_fallback <= 2, misses(report)


def test_second_own_held_out_set_stays_at_its_measured_level(engine) -> None:
    report = evaluate(engine, load_cases(OWN2))
    assert report.top1_rate >= 0.83, misses(report)
    assert report.top3_rate >= 0.88, misses(report)
    assert report.deflected_rate >= 0.85, misses(report)
    assert report.wrong_fallback <= 2, misses(report)


def test_third_own_held_out_set_stays_at_its_measured_level(engine) -> None:
    # Measured blind once (top-1 83.3%, top-3 94.4%, 2 wrongly to fallback, 9 of 12
    # deflected), never tuned on line by line.
    report = evaluate(engine, load_cases(OWN3))
    assert report.top1_rate >= 0.86, misses(report)
    assert report.top3_rate >= 0.94, misses(report)
    assert report.deflected_rate >= 0.75, misses(report)
    assert report.wrong_fallback <= 2, misses(report)
    assert report.smalltalk_rate == 1.0, misses(report)


def test_independently_written_questions_stay_at_their_measured_level(engine) -> None:
    # Measured at 92.9% top-1, 94.6% top-3, 6 wrongly to fallback, 28 of 32 deflected.
    report = evaluate(engine, load_cases(INDEPENDENT))
    assert report.top1_rate >= 0.92, misses(report)
    assert report.top3_rate >= 0.94, misses(report)
    assert report.deflected_rate >= 0.87, misses(report)
    assert report.wrong_fallback <= 6, misses(report)
    assert report.smalltalk_rate == 1.0, misses(report)


def test_out_of_scope_questions_are_mostly_deflected(engine) -> None:
    report = evaluate(engine, load_cases(OUT_OF_SCOPE))
    assert report.out_of_scope == len(load_cases(OUT_OF_SCOPE))
    assert report.deflected_rate >= 0.92, misses(report)


def _normal(text: str) -> str:
    return " ".join(fold_word(w) for w in re.findall(r"\w+", text))


@pytest.mark.parametrize(
    "questions",
    [DEV, OWN, OWN2, OWN3, OUT_OF_SCOPE, INDEPENDENT],
    ids=["dev", "own", "own2", "own3", "out-of-scope", "independent"],
)
def test_no_evaluation_question_appears_verbatim_in_the_knowledge_base(kb, questions) -> None:
    if not questions.exists():
        pytest.skip(f"{questions} not found")
    texts = {
        _normal(text)
        for page in kb.pages
        for text in (page.title, page.summary, *page.questions, *page.text)
    }
    texts |= {_normal(e) for intent in kb.smalltalk for e in intent.examples}
    copied = [
        case.question
        for case in load_cases(questions)
        if len(_normal(case.question).split()) > 2 and _normal(case.question) in texts
    ]
    assert not copied


def test_leaving_a_question_out_removes_exactly_that_question_of_every_page(kb) -> None:
    smaller = without_questions(kb, 2)
    for page, kept in zip(kb.pages, smaller.pages, strict=True):
        assert kept.id == page.id
        assert kept.questions == page.questions[:2] + page.questions[3:]
    assert smaller.synonyms == kb.synonyms


def test_leave_one_out_stays_at_its_measured_level(kb) -> None:
    # Each example question asked of an engine that has not seen it: the knowledge base's
    # own paraphrases measure how the engine copes with unseen wording.
    report = leave_one_out(kb)
    assert report.in_handbook == sum(len(page.questions) for page in kb.pages)
    assert report.top1_rate >= LOO_TOP1, misses(report)
    assert report.top3_rate >= LOO_TOP3, misses(report)
    assert report.wrong_fallback <= LOO_WRONG_FALLBACK, misses(report)


def test_leave_one_out_asks_an_engine_that_does_not_know_the_question(kb) -> None:
    asked = []

    def make_engine(smaller):
        engine = Engine(smaller)
        original = engine.search

        def search(question):
            known = {q for page in smaller.pages for q in page.questions}
            asked.append(question in known)
            return original(question)

        engine.search = search
        return engine

    leave_one_out(kb, make_engine)
    assert asked and not any(asked)
