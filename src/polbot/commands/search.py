"""``polbot ask``, ``polbot eval`` and ``polbot bench``: thin commands over the engine.

Each parses its options, calls the library and prints what it gives; a broken knowledge
base or evaluation file is exit status 2 (see :mod:`polbot.commands`), a failed gate 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

from polbot.commands.options import add_kb_option
from polbot.runtime.assembly import Assembly
from polbot.search.result import SearchResult

# --- ask -------------------------------------------------------------------------------


def ask_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("question", help="the question; '-' reads one question per line")
    parser.add_argument("--json", action="store_true", help="print the contract's JSON object")
    add_kb_option(parser)


def ask(args: argparse.Namespace) -> int:
    """Print the answer to each question: as a user reads it, or the contract's JSON."""
    parts = Assembly.load(args.kb)
    reply = _json_line if args.json else _reply_text(parts)
    questions = _lines(sys.stdin) if args.question == "-" else [args.question]
    for question in questions:
        print(reply(parts.engine.search(question)), flush=True)
    return 0


def _lines(stream: TextIO) -> Iterator[str]:
    for line in stream:
        yield line.rstrip("\r\n")


def _json_line(result: SearchResult) -> str:
    return json.dumps(result.to_contract(), ensure_ascii=False)


def _reply_text(parts: Assembly) -> Callable[[SearchResult], str]:
    """What a user would read: the conversation core's replies as plain text, with the
    buttons of each reply on a line of their own."""
    from polbot.dialogue import TextMessage, plain

    def reply(result: SearchResult) -> str:
        texts = []
        for answer in parts.assistant.handle(TextMessage(result.question)):
            buttons = " ".join(f"[{button.label}]" for button in answer.buttons)
            texts.append(plain(answer) + (f"\n{buttons}" if buttons else ""))
        return "\n\n".join(texts)

    return reply


# --- eval ------------------------------------------------------------------------------

_GATES = (
    ("--min-top1", "SHARE", "exit 1 below this share right at the top (e.g. 0.95)"),
    ("--min-top3", "SHARE", "exit 1 below this share right among the first three"),
    ("--min-direct-right", "SHARE", "exit 1 below this share answered straight away, rightly"),
    ("--max-wrong-fallback", "N", "exit 1 above this many handbook questions given the fallback"),
    ("--min-deflected", "SHARE", "exit 1 below this share of out-of-scope questions deflected"),
    ("--min-smalltalk", "SHARE", "exit 1 below this share of smalltalk recognised"),
    ("--max-calibration-error", "ECE", "exit 1 above this expected calibration error"),
)


def evaluate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="YAML list of {q: ..., expect: ...}")
    parser.add_argument("--misses", action="store_true", help="list every miss")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    for option, metavar, help_ in _GATES:
        kind = int if metavar == "N" else float
        parser.add_argument(option, type=kind, metavar=metavar, help=help_)
    add_kb_option(parser)


def evaluate(args: argparse.Namespace) -> int:
    """Print the figures of the engine on the file; 1 when one is below its gate."""
    from polbot.search.evaluation import below, evaluate, load_cases, report_text

    cases = load_cases(args.file)
    report = evaluate(Assembly.load(args.kb).engine, cases)
    print(report_text(report, misses=args.misses))
    if args.json:
        print(json.dumps(report.summary()))
    gates = {option[2:].replace("-", "_"): None for option, _, _ in _GATES}
    failed = below(report, **{name: getattr(args, name) for name in gates})
    if failed:
        print(f"polbot eval: below the required figures: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


# --- bench -----------------------------------------------------------------------------


def bench_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pages", type=int, default=10_000, help="pages of the generated KB")
    parser.add_argument("--questions", type=int, default=3_000, help="questions per run")
    parser.add_argument("--seed", type=int, default=7, help="seed of the generated KB")
    add_kb_option(parser)


def bench(args: argparse.Namespace) -> int:
    """Print the speed and memory of the engine next to the baseline's."""
    from polbot.search.bench import format_table, run_bench

    kb = Assembly.load(args.kb).kb
    rows = run_bench(kb, pages=args.pages, questions=args.questions, seed=args.seed)
    print(format_table(rows))
    print(json.dumps({"bench": [row.as_dict() for row in rows]}))
    return 0
