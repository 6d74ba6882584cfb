"""Print the search engine's figures on every measure at once: the dev questions, the own
held-out questions and leave-one-out over the knowledge base's example questions.

    .venv/bin/python scripts/search_figures.py [--misses] [--kb DIR]

Leave-one-out asks each example question of an engine built without it (one engine per
round of questions, ~1 s): it measures how the engine copes with wording it has not seen.
"typos" asks the questions of dev, own, own2 and oos again with one typo (a letter
swapped, dropped, added or replaced, never the first) in the longest word.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from polbot.knowledge import load_knowledge
from polbot.search import Engine
from polbot.search.evaluation import EvalCase, Report, evaluate, leave_one_out, load_cases

ROOT = Path(__file__).resolve().parents[1]
FILES = {
    "dev": ROOT.parent / "shared" / "eval" / "dev.yaml",
    "long": ROOT.parent / "shared" / "eval" / "dev-long.yaml",
    "own": ROOT / "tests" / "data" / "heldout-own.yaml",
    "own2": ROOT / "tests" / "data" / "heldout-own2.yaml",
    "oos": ROOT / "tests" / "data" / "out-of-scope-own.yaml",
    "tune": ROOT / "tests" / "data" / "realistic-tune.yaml",
    "roos": ROOT / "tests" / "data" / "realistic-oos.yaml",
    # Never tuned or fit on:
    "own3": ROOT / "tests" / "data" / "heldout-own3.yaml",
    "indep": ROOT / "tests" / "data" / "heldout-independent.yaml",
    "hold": ROOT / "tests" / "data" / "realistic-hold.yaml",
    "final": ROOT / "tests" / "data" / "realistic-final.yaml",
}


def typo(word: str, rng: random.Random) -> str:
    at = rng.randrange(1, len(word) - 1)
    letter = rng.choice("abcdefghijklmnopqrstuvwxyz")
    return rng.choice(
        [
            word[:at] + word[at + 1] + word[at] + word[at + 2 :],
            word[:at] + word[at + 1 :],
            word[:at] + letter + word[at:],
            word[:at] + letter + word[at + 1 :],
        ]
    )


def with_typos(cases: list[EvalCase], seed: int = 3) -> list[EvalCase]:
    """The cases (not smalltalk) with one typo in the longest word of five letters or more."""
    rng = random.Random(seed)
    typoed = []
    for case in cases:
        words = case.question.split()
        longest = max(range(len(words)), key=lambda i: len(words[i]))
        if case.expect != "smalltalk" and len(words[longest]) >= 5:
            words[longest] = typo(words[longest], rng)
            typoed.append(EvalCase(" ".join(words), case.expect))
    return typoed


def line(name: str, report: Report) -> str:
    return (
        f"{name:<6} top-1 {report.top1_rate:6.1%} ({report.top1}/{report.in_handbook})"
        f"  direct+right {report.direct_right_rate:6.1%}"
        f"  top-3 {report.top3_rate:6.1%}  wrong fallback {report.wrong_fallback:2}"
        f"  deflected {report.deflected}/{report.out_of_scope}"
        f"  smalltalk {report.smalltalk_recognised}/{report.smalltalk}"
        f"  ECE {report.calibration_error:.3f}"
    )


def show_misses(report: Report) -> None:
    for miss in report.misses:
        result = miss.result
        expect = miss.case.expect
        wanted = expect if isinstance(expect, str) else " | ".join(expect)
        others = ", ".join(f"{c.id} {c.score:.2f}" for c in result.candidates)
        print(f"  MISS {miss.case.question!r}: expected {wanted}, got", end=" ")
        print(f"{result.page_id or result.kind} {result.score:.2f} ({others or '-'})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list every miss")
    parser.add_argument("--kb", type=Path, default=ROOT / "knowledge")
    parser.add_argument("--skip-loo", action="store_true", help="skip leave-one-out")
    args = parser.parse_args()
    kb = load_knowledge(args.kb)
    engine = Engine(kb)
    reports = {
        name: evaluate(engine, load_cases(path)) for name, path in FILES.items() if path.exists()
    }
    typoed = [c for n in ("dev", "own", "own2", "oos") if n in FILES for c in load_cases(FILES[n])]
    reports["typos"] = evaluate(engine, with_typos(typoed))
    if not args.skip_loo:
        reports["loo"] = leave_one_out(kb)
    for name, report in reports.items():
        print(line(name, report))
        if args.misses:
            show_misses(report)


if __name__ == "__main__":
    main()
