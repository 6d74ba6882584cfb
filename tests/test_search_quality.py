"""The engine's quality gate: what users see on every question set the project owns.

For each set: the right page first (top-1), answered straight away and right, in-handbook
questions wrongly sent to the helpdesk, out-of-scope questions deflected, smalltalk; and
the calibration of the score on the sets nothing was fit or tuned on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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
DEV_LONG = ROOT.parent / "shared" / "eval" / "dev-long.yaml"
TUNE = ROOT / "tests" / "data" / "realistic-tune.yaml"
HOLD = ROOT / "tests" / "data" / "realistic-hold.yaml"
OOS = ROOT / "tests" / "data" / "realistic-oos.yaml"
FINAL = ROOT / "tests" / "data" / "realistic-final.yaml"
# Leave-one-out over the example questions, at its measured level (see
# scripts/search_figures.py): a drop means the engine copes worse with unseen wording.
LOO_TOP1 = 0.74
LOO_TOP3 = 0.92
LOO_WRONG_FALLBACK = 5


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


@dataclass(frozen=True)
class Gate:
    """The figures a question set is held to: at least these shares, at most these counts."""

    top1: float
    direct_right: float
    wrong_fallback: int
    deflected: float
    smalltalk: float = 1.0
    top3: float = 0.0

    def check(self, report) -> None:
        figures = misses(report)
        assert report.top1_rate >= self.top1, figures
        assert report.direct_right_rate >= self.direct_right, figures
        assert report.top3_rate >= self.top3, figures
        assert report.wrong_fallback <= self.wrong_fallback, figures
        assert report.deflected_rate >= self.deflected, figures
        assert report.smalltalk_rate >= self.smalltalk, figures


# Each set at its measured level (scripts/search_figures.py): a drop means users get worse
# answers; dev-long and dev at the figures issue 11 asks for. Sets marked "never fit" were
# neither fit on by scripts/fit_decision.py nor used to tune language data: they measure how
# the engine does on wording nobody tuned for.
GATES = {
    "dev": (DEV, Gate(top1=0.95, direct_right=0.95, wrong_fallback=1, deflected=1.0, top3=0.98)),
    "dev-long": (
        DEV_LONG,
        Gate(top1=0.92, direct_right=0.85, wrong_fallback=2, deflected=0.92, top3=0.95),
    ),
    "own": (
        OWN,
        Gate(top1=0.97, direct_right=0.95, wrong_fallback=2, deflected=0.93, smalltalk=0.83),
    ),
    "own2": (OWN2, Gate(top1=0.88, direct_right=0.83, wrong_fallback=1, deflected=1.0)),
    "out-of-scope": (
        OUT_OF_SCOPE,
        Gate(top1=0, direct_right=0, wrong_fallback=0, deflected=0.9),
    ),
    "realistic-tune": (
        TUNE,
        Gate(top1=0.85, direct_right=0.80, wrong_fallback=9, deflected=0.90, smalltalk=0.93),
    ),
    "realistic-oos": (OOS, Gate(top1=0.89, direct_right=0.89, wrong_fallback=1, deflected=0.88)),
    # never fit on:
    "own3": (
        OWN3,
        Gate(top1=0.88, direct_right=0.88, wrong_fallback=1, deflected=0.75, top3=0.97),
    ),
    "independent": (
        INDEPENDENT,
        Gate(top1=0.94, direct_right=0.91, wrong_fallback=3, deflected=0.81, top3=0.96),
    ),
    "realistic-hold": (
        HOLD,
        Gate(top1=0.89, direct_right=0.89, wrong_fallback=2, deflected=0.82, smalltalk=0.92),
    ),
    # measured once, at the end of the session that fit the decision:
    "realistic-final": (
        FINAL,
        Gate(top1=0.89, direct_right=0.88, wrong_fallback=6, deflected=0.70, smalltalk=0.84),
    ),
}
NEVER_FIT = (OWN3, INDEPENDENT, HOLD, FINAL)


@pytest.mark.parametrize("name", list(GATES))
def test_each_question_set_stays_at_its_measured_level(engine, name) -> None:
    path, gate = GATES[name]
    if not path.exists():
        pytest.skip(f"{path} not found")
    gate.check(evaluate(engine, load_cases(path)))


def test_the_score_is_calibrated_on_questions_it_was_never_fit_on(engine) -> None:
    # Of the answers given with score 0.8, about 8 in 10 are right: the expected calibration
    # error over the sets that neither the decision model nor the language data saw.
    cases = [case for path in NEVER_FIT for case in load_cases(path)]
    report = evaluate(engine, cases)
    assert len(report.calibration) > 300
    assert report.calibration_error <= 0.05, report.reliability()
    # Among answers given straight away, the share right is at least the probability from
    # which the engine answers straight away.
    assert report.direct_precision >= engine.policy.direct_at


def _normal(text: str) -> str:
    return " ".join(fold_word(w) for w in re.findall(r"\w+", text))


@pytest.mark.parametrize(
    "questions",
    [DEV, DEV_LONG, OWN, OWN2, OWN3, OUT_OF_SCOPE, INDEPENDENT, TUNE, HOLD, OOS, FINAL],
    ids=[
        "dev",
        "dev-long",
        "own",
        "own2",
        "own3",
        "out-of-scope",
        "independent",
        "tune",
        "hold",
        "realistic-oos",
        "realistic-final",
    ],
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
