"""What every command assembles the same way: its options, the knowledge base, the assistant.

A command declares ``--kb DIR`` with :func:`add_kb_option` (or ``--config FILE`` with
:func:`add_config_option`), loads with :func:`load_kb` (or :func:`load_config`), which print
each problem as one line ``polbot <command>: <problem>`` on stderr and return ``None`` (the
command then exits 2), and builds the conversation with :func:`build_assistant`.

Only the knowledge model is imported up front: ``polbot ask --json`` needs neither the
dialogue nor the server's configuration, and its start-up time is the user's waiting time.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from polbot.knowledge import KnowledgeBase, KnowledgeError, load_knowledge
from polbot.paths import default_knowledge_dir

if TYPE_CHECKING:
    from polbot.dialogue import Assistant
    from polbot.search import Engine
    from polbot.server.config import Settings


def add_kb_option(parser: argparse.ArgumentParser) -> None:
    """``--kb DIR``: the knowledge folder; :func:`load_kb` takes ``args.kb``."""
    parser.add_argument(
        "--kb",
        type=Path,
        metavar="DIR",
        help="knowledge folder (default: $POLBOT_KNOWLEDGE_DIR or the bundled knowledge/)",
    )


def add_config_option(parser: argparse.ArgumentParser) -> None:
    """``--config FILE``: the configuration file; :func:`load_config` takes ``args.config``."""
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="configuration file (default: $POLBOT_CONFIG or the bundled config/polbot.yaml)",
    )


def load_kb(folder: Path | None, command: str) -> KnowledgeBase | None:
    """The knowledge base in ``folder`` (default: :func:`default_knowledge_dir`).

    ``None`` after printing every problem on a line of its own, prefixed
    ``polbot <command>: ``; ``polbot validate`` explains the format.
    """
    try:
        return load_knowledge(folder or default_knowledge_dir())
    except KnowledgeError as exc:
        print_error(command, exc)
        return None


def load_config(path: Path | None, command: str) -> Settings | None:
    """The effective configuration (file ``path`` or the default, and the environment).

    ``None`` after printing the problem as one line ``polbot <command>: <problem>``.
    """
    from polbot.server.config import ConfigError, load_settings

    try:
        return load_settings(path)
    except ConfigError as exc:
        print_error(command, exc)
        return None


def print_error(command: str, error: Exception | str) -> None:
    """Print ``error`` on stderr, each of its lines prefixed ``polbot <command>: ``.

    A :class:`KnowledgeError` has one line per problem; other errors say one thing.
    """
    for line in str(error).splitlines() or [type(error).__name__]:
        print(f"polbot {command}: {line}", file=sys.stderr)


def build_assistant(kb: KnowledgeBase, engine: Engine | None = None) -> Assistant:
    """The conversation over ``kb``, searching with ``engine`` (by default a new one)."""
    from polbot.dialogue import Assistant
    from polbot.search import Engine

    return Assistant(kb, engine or Engine(kb))
