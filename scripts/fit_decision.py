"""Fit the engine's decision model and write src/polbot/search/data/decision.json.

    .venv/bin/python scripts/fit_decision.py [--check]

The model (polbot.search.decision) is two logistic regressions: *scope* (does the handbook
cover the message at all?) over message-level evidence, and *page* (is this the page, given
that it does?) over the page's lead on the others. They are fit on labelled questions the
project owns:

- leave-one-out over the knowledge base's example questions (each asked of an engine built
  without it: the users' own wording, not yet seen);
- ../shared/eval/dev.yaml and dev-long.yaml (the development sets);
- tests/data: heldout-own, heldout-own2, out-of-scope-own and realistic-tune.

The other sets in tests/data (heldout-independent, heldout-own3, realistic-hold) are never
fit on: the script reports the figures and the calibration on them, and the tests hold
the shipped model to those.

A message that asks two things has a reading per question, and the engine answers the
reading whose top page is most probable; so the page model is refit three times, each on the
readings the previous fit would choose. scikit-learn does the fitting (a development
dependency: nothing of it is imported at run time); with --check the script fits, reports
and compares with the shipped file instead of writing it (exit 1 when they differ).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sklearn.linear_model import LogisticRegression

from polbot.knowledge import load_knowledge
from polbot.search import Engine
from polbot.search.decision import DecisionModel, Evidence, Logistic, features
from polbot.search.engine import Ranking
from polbot.search.evaluation import EvalCase, evaluate, leave_one_out_cases, load_cases

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "src" / "polbot" / "search" / "data" / "decision.json"
DATA = ROOT / "tests" / "data"
FIT = {
    "dev": ROOT.parent / "shared" / "eval" / "dev.yaml",
    "dev-long": ROOT.parent / "shared" / "eval" / "dev-long.yaml",
    "own": DATA / "heldout-own.yaml",
    "own2": DATA / "heldout-own2.yaml",
    "out-of-scope": DATA / "out-of-scope-own.yaml",
    "realistic-tune": DATA / "realistic-tune.yaml",
    "realistic-oos": DATA / "realistic-oos.yaml",
}
HELD_OUT = {
    "independent": DATA / "heldout-independent.yaml",
    "own3": DATA / "heldout-own3.yaml",
    "realistic-hold": DATA / "realistic-hold.yaml",
    "realistic-final": DATA / "realistic-final.yaml",
}
SCOPE_FEATURES = (
    "log_known_share",
    "short_log_known",
    "brevity",
    "topical",
    "log_coverage",
    "log_relevance",
    "fact",
    "task",
    "opinion",
    "place",
    "sense",
    "it",
    "unknown",
)
PAGE_FEATURES = ("margin", "lead", "log_relevance", "example")
ROUNDS = 3
# L2 regularisation strength (scikit-learn's C; smaller is stronger).
STRENGTH = 100.0
CANDIDATES = 3


@dataclass(frozen=True)
class Row:
    """One candidate page of one reading of a labelled question."""

    question: int
    reading: int
    evidence: Evidence
    values: dict[str, float]
    right: bool
    in_scope: bool


def rows_of(number: int, case: EvalCase, ranking: Ranking) -> Iterable[Row]:
    in_scope = isinstance(case.expect, tuple)
    for reading_number, reading in enumerate(ranking.readings):
        for ranked in reading.pages[:CANDIDATES]:
            right = in_scope and ranked.page_id in case.expect
            evidence = ranked.evidence
            yield Row(number, reading_number, evidence, features(evidence), right, in_scope)


def labelled_rows(kb, cases_by_engine) -> list[Row]:
    rows: list[Row] = []
    for number, (engine, case) in enumerate(cases_by_engine):
        if case.expect == "smalltalk":
            continue
        ranking = engine.rank(case.question)
        if ranking.message.smalltalk is None:
            rows += rows_of(number, case, ranking)
    return rows


def fit(rows: Sequence[Row], names: Sequence[str], label) -> Logistic:
    model = LogisticRegression(C=STRENGTH, max_iter=5000)
    model.fit([[row.values[n] for n in names] for row in rows], [label(row) for row in rows])
    coefficients = {n: round(float(w), 4) for n, w in zip(names, model.coef_[0], strict=True)}
    return Logistic(round(float(model.intercept_[0]), 4), coefficients)


def chosen(rows: Sequence[Row], model: DecisionModel | None) -> list[Row]:
    """Per question, the candidates of the reading the engine would answer from (the first
    reading while there is no model yet), best first."""
    by_question: dict[int, dict[int, list[Row]]] = {}
    for row in rows:
        by_question.setdefault(row.question, {}).setdefault(row.reading, []).append(row)
    picked: list[Row] = []
    for readings in by_question.values():
        if model is None:
            picked += readings[min(readings)]
            continue

        def best(reading: list[Row]) -> float:
            return max(
                model.scope.probability(r.evidence) * model.page.probability(r.evidence)
                for r in reading
            )

        picked += max(readings.values(), key=best)
    return picked


def fit_model(rows: Sequence[Row]) -> DecisionModel:
    model: DecisionModel | None = None
    for _ in range(ROUNDS):
        picked = chosen(rows, model)
        page = fit([r for r in picked if r.in_scope], PAGE_FEATURES, lambda r: r.right)
        scope_rows = _tops(picked, page)
        scope = fit(scope_rows, SCOPE_FEATURES, lambda r: r.in_scope)
        model = DecisionModel(scope, page)
    assert model is not None
    return model


def _tops(picked: Sequence[Row], page: Logistic) -> list[Row]:
    """The page model's top candidate of each question: the scope is judged on it."""
    tops: dict[int, Row] = {}
    for row in picked:
        held = tops.get(row.question)
        if held is None or page.probability(row.evidence) > page.probability(held.evidence):
            tops[row.question] = row
    return list(tops.values())


def report(name: str, engine: Engine, path: Path) -> None:
    result = evaluate(engine, load_cases(path))
    print(
        f"{name:<15} top-1 {result.top1_rate:6.1%}  straight away and right"
        f" {result.direct_right_rate:6.1%}  wrong fallback {result.wrong_fallback:2}"
        f"  deflected {result.deflected}/{result.out_of_scope}"
        f"  smalltalk {result.smalltalk_recognised}/{result.smalltalk}"
        f"  ECE {result.calibration_error:.3f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args()
    kb = load_knowledge(ROOT / "knowledge")
    engine = Engine(kb)
    cases = list(leave_one_out_cases(kb))
    for path in FIT.values():
        cases += [(engine, case) for case in load_cases(path)]
    rows = labelled_rows(kb, cases)
    model = fit_model(rows)
    data = {
        "about": (
            "Made by scripts/fit_decision.py from "
            f"{len({r.question for r in rows})} labelled questions; see polbot.search.decision."
        ),
        "scope": model.scope.to_dict(),
        "page": model.page.to_dict(),
    }
    text = json.dumps(data, indent=2) + "\n"
    fitted = Engine(kb, model=model)
    for name, path in {**FIT, **HELD_OUT}.items():
        report(name + ("" if name in FIT else " *"), fitted, path)
    print("* never fit on")
    if args.check:
        same = TARGET.read_text("utf-8") == text
        print("decision.json is up to date" if same else "decision.json differs from a refit")
        return 0 if same else 1
    TARGET.write_text(text, "utf-8")
    print(f"written to {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
