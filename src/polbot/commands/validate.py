"""``polbot validate [DIR]``: check a knowledge folder the way polbot will load it."""

from __future__ import annotations

import argparse
import sys

from polbot.commands.options import KB_HELP
from polbot.errors import KnowledgeError, KnowledgeFolderNotFoundError
from polbot.knowledge import KnowledgeBase, load_knowledge
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
    """Load the folder; print a one-line summary (exit 0) or every problem (exit 1).

    A folder that does not exist exits 2, like a wrong command line.
    """
    folder = args.folder if args.folder is not None else str(default_knowledge_dir())
    try:
        kb = load_knowledge(folder)
    except KnowledgeFolderNotFoundError:
        print(f"polbot validate: {folder}: no such folder", file=sys.stderr)
        return 2
    except KnowledgeError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        count = len(exc.problems)
        print(f"{count} error{'s' if count != 1 else ''}", file=sys.stderr)
        return 1
    print(f"{folder}: {summary(kb)}: OK")
    return 0


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
