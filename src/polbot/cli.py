"""The ``polbot`` command line: a thin dispatcher.

Each command lives in the module that owns its job and is imported only when it runs, so
that ``polbot ask`` never pays for importing Telegram or Teams. A command module provides
``<name>_arguments(parser)`` to declare its options and ``<name>(args) -> int`` to run.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# command -> (module, function name, one-line help)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "validate": ("polbot.knowledge.cli", "validate", "check a knowledge-base folder"),
    "ask": ("polbot.search.cli", "ask", "answer a question from the handbook"),
    "eval": ("polbot.search.cli", "evaluate", "measure the search engine on a question file"),
    "bench": ("polbot.search.cli", "bench", "measure the search engine's speed and memory"),
    "chat": ("polbot.channels.console", "chat", "chat with polbot in the terminal"),
    "serve": ("polbot.server.cli", "serve", "run the HTTP server with every enabled channel"),
    "config": ("polbot.server.cli", "config", "print the effective configuration"),
    "telegram": ("polbot.channels.telegram.cli", "telegram", "run the Telegram bot (polling)"),
    "review": (
        "polbot.review.command",
        "review",
        "report the questions the handbook did not answer well",
    ),
    "teams-package": (
        "polbot.channels.teams.package",
        "teams_package",
        "write the Teams app package",
    ),
}


def _top_parser() -> argparse.ArgumentParser:
    lines = [f"  {name:<14} {help_}" for name, (_, _, help_) in COMMANDS.items()]
    return argparse.ArgumentParser(
        prog="polbot",
        description="A Dutch chat assistant for the handbook 'Aanpak polarisatie'.",
        epilog="commands:\n" + "\n".join(lines) + "\n\n'polbot COMMAND --help' tells more.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    top = _top_parser()
    top.add_argument("command", choices=sorted(COMMANDS), metavar="COMMAND")
    if not argv:
        top.print_help()
        return 2
    if argv[0] not in COMMANDS:
        top.parse_args(argv[:1])  # --help, or an "invalid choice" error
        return 2
    name, rest = argv[0], argv[1:]
    module_name, function, help_ = COMMANDS[name]
    module = importlib.import_module(module_name)
    parser = argparse.ArgumentParser(prog=f"polbot {name}", description=help_)
    getattr(module, f"{function}_arguments")(parser)
    args = parser.parse_args(rest)
    try:
        return int(getattr(module, function)(args) or 0)
    except KeyboardInterrupt:
        return 130
