"""``polbot validate [DIR]``: check a knowledge folder the way polbot will load it."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from polbot.commands.options import KB_HELP
from polbot.errors import KnowledgeError, KnowledgeFolderNotFoundError, Problem
from polbot.knowledge import KnowledgeBase, load_knowledge
from polbot.knowledge.rules import content_problems
from polbot.paths import default_knowledge_dir


def validate_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options of ``polbot validate``."""
    parser.add_argument(
        "folder",
        nargs="?",
        metavar="DIR",
        help=KB_HELP,
    )


def validate(args: argparse.Namespace) -> int:
    """Load the folder and check the content rules (:mod:`polbot.knowledge.rules`); print a
    one-line summary (exit 0) or every problem with file:line and what to do (exit 1).

    A folder that does not exist exits 2, like a wrong command line.
    """
    folder = args.folder if args.folder is not None else str(default_knowledge_dir())
    try:
        kb = load_knowledge(folder)
    except KnowledgeFolderNotFoundError:
        print(f"polbot validate: {folder}: no such folder", file=sys.stderr)
        return 2
    except KnowledgeError as exc:
        return _report(exc.problems)
    problems = content_problems(Path(folder), kb, folder)
    if problems:
        return _report(problems)
    print(f"{folder}: {summary(kb)}: OK")
    return 0


def _report(problems: Sequence[Problem]) -> int:
    for problem in problems:
        print(problem, file=sys.stderr)
    count = len(problems)
    print(f"{count} error{'s' if count != 1 else ''}", file=sys.stderr)
    return 1


def summary(kb: KnowledgeBase) -> str:
    """What a knowledge base holds, counted: '19 pages, 4 themes, 171 example questions, ...'."""
    counts = (
        (len(kb.pages), "page"),
        (len(kb.themes), "theme"),
        (sum(len(page.questions) for page in kb.pages), "example question"),
        (len(kb.synonyms), "synonym group"),
        (len(kb.smalltalk), "smalltalk intent"),
    )
    return ", ".join(f"{n} {noun}{'' if n == 1 else 's'}" for n, noun in counts)
