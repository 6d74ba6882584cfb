"""``polbot ask``, ``polbot eval`` and ``polbot bench``: thin commands over the engine.

Each parses its options, calls the library and turns library errors into a one-line
message and an exit code (2 for bad input or a broken knowledge base, 1 for a failed gate).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO

from polbot.compose import add_kb_option, build_assistant, load_kb, print_error
from polbot.knowledge import KnowledgeBase
from polbot.search.engine import Engine
from polbot.search.result import SearchResult

# --- ask -------------------------------------------------------------------------------


def ask_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("question", help="the question; '-' reads one question per line")
    parser.add_argument("--json", action="store_true", help="print the contract's JSON object")
    add_kb_option(parser)


def ask(args: argparse.Namespace) -> int:
    kb = load_kb(args.kb, "ask")
    if kb is None:
        return 2
    engine = Engine(kb)
    reply = _json_line if args.json else _reply_text(kb, engine)
    questions = _lines(sys.stdin) if args.question == "-" else [args.question]
    for question in questions:
        print(reply(engine.search(question)), flush=True)
    return 0


def _lines(stream: TextIO):
    for line in stream:
        yield line.rstrip("\r\n")


def _json_line(result: SearchResult) -> str:
    return json.dumps(result.to_contract(), ensure_ascii=False)


def _reply_text(kb: KnowledgeBase, engine: Engine):
    """What a user would read: the conversation core's replies as plain text, with the
    buttons of each reply on a line of their own."""
    from polbot.dialogue import TextMessage, plain

    assistant = build_assistant(kb, engine)

    def reply(result: SearchResult) -> str:
        texts = []
        for answer in assistant.handle(TextMessage(result.question)):
            buttons = " ".join(f"[{button.label}]" for button in answer.buttons)
            texts.append(plain(answer) + (f"\n{buttons}" if buttons else ""))
        return "\n\n".join(texts)

    return reply


# --- eval ------------------------------------------------------------------------------


def evaluate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="YAML list of {q: ..., expect: ...}")
    parser.add_argument("--misses", action="store_true", help="list every miss")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    parser.add_argument("--min-top1", type=float, metavar="SHARE", help="e.g. 0.95")
    parser.add_argument("--min-top3", type=float, metavar="SHARE")
    parser.add_argument("--min-direct-right", type=float, metavar="SHARE")
    parser.add_argument("--max-wrong-fallback", type=int, metavar="N")
    parser.add_argument("--min-deflected", type=float, metavar="SHARE")
    parser.add_argument("--min-smalltalk", type=float, metavar="SHARE")
    parser.add_argument("--max-calibration-error", type=float, metavar="ECE")
    add_kb_option(parser)


def evaluate(args: argparse.Namespace) -> int:
    from polbot.search.evaluation import EvalFileError, evaluate, load_cases

    try:
        cases = load_cases(args.file)
    except EvalFileError as exc:
        print_error("eval", exc)
        return 2
    kb = load_kb(args.kb, "eval")
    if kb is None:
        return 2
    report = evaluate(Engine(kb), cases)
    if args.misses:
        for miss in report.misses:
            result = miss.result
            expect = miss.case.expect
            wanted = expect if isinstance(expect, str) else " | ".join(expect)
            got = result.page_id or result.kind
            others = ", ".join(f"{c.id} {c.score:.2f}" for c in result.candidates)
            print(f"MISS {miss.case.question!r}: expected {wanted}, got {got}", end="")
            print(f" ({result.kind} {result.score:.2f}; candidates: {others or '-'})")
    print(f"in-handbook questions            {report.in_handbook}")
    print(f"top-3                            {report.top3_rate:.1%} ({report.top3})")
    print(f"direct answers right             {report.direct_precision:.1%} of {report.direct}")
    print("reliability (score: mean score, share right, questions)")
    for low, mean, right, count in report.reliability():
        print(f"  {low:.1f}-{low + 0.1:.1f}   {mean:.2f}  {right:.2f}  {count}")
    print(f"expected calibration error       {report.calibration_error:.3f}")
    # Last, what a user sees: the six lines a glance at the end of the output gives.
    print(f"top-1 (right page first)         {report.top1_rate:.1%} ({report.top1})")
    print(
        f"answered straight away and right {report.direct_right_rate:.1%} ({report.direct_right})"
    )
    print(f"answered with alternatives       {report.with_alternatives}")
    print(f"wrongly sent to fallback         {report.wrong_fallback}")
    print(f"out-of-scope deflected           {report.deflected_rate:.1%} of {report.out_of_scope}")
    print(f"smalltalk recognised             {report.smalltalk_rate:.1%} of {report.smalltalk}")
    if args.json:
        print(json.dumps(report.summary()))
    checks = (
        ("top-1", args.min_top1 is None or report.top1_rate >= args.min_top1),
        ("top-3", args.min_top3 is None or report.top3_rate >= args.min_top3),
        (
            "straight away and right",
            args.min_direct_right is None or report.direct_right_rate >= args.min_direct_right,
        ),
        (
            "wrong fallback",
            args.max_wrong_fallback is None or report.wrong_fallback <= args.max_wrong_fallback,
        ),
        ("deflected", args.min_deflected is None or report.deflected_rate >= args.min_deflected),
        ("smalltalk", args.min_smalltalk is None or report.smalltalk_rate >= args.min_smalltalk),
        (
            "calibration",
            args.max_calibration_error is None
            or report.calibration_error <= args.max_calibration_error,
        ),
    )
    failed = [name for name, ok in checks if not ok]
    if failed:
        print(f"polbot eval: below the required figures: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


# --- bench -----------------------------------------------------------------------------


def bench_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pages", type=int, default=10_000, help="pages of the generated KB")
    parser.add_argument("--questions", type=int, default=3_000, help="questions per run")
    parser.add_argument("--seed", type=int, default=7)
    add_kb_option(parser)


def bench(args: argparse.Namespace) -> int:
    from polbot.search.bench import BaselineMissingError, format_table, run_bench

    kb = load_kb(args.kb, "bench")
    if kb is None:
        return 2
    try:
        rows = run_bench(kb, pages=args.pages, questions=args.questions, seed=args.seed)
    except BaselineMissingError as exc:
        print_error("bench", exc)
        return 2
    print(format_table(rows))
    print(json.dumps({"bench": [row.as_dict() for row in rows]}))
    return 0
