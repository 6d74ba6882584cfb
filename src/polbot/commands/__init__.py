"""The ``polbot`` command line: one thin function per command, and the dispatcher.

Each command parses its options, calls one entry of the library and prints what it gives;
an :class:`polbot.errors.InputError` or :class:`polbot.errors.SetupError` it lets through
is one line ``polbot <command>: <problem>`` per problem on stderr and exit status 2, here,
for every command alike. A command module is imported only when it runs, so that
``polbot ask`` never pays for importing Telegram or Teams; it provides
``<function>_arguments(parser)`` to declare its options and ``<function>(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NamedTuple

from polbot import __version__, errors

__all__ = ["COMMANDS", "Command", "main", "parser", "print_error"]


class Command(NamedTuple):
    module: str
    function: str
    help: str


COMMANDS: dict[str, Command] = {
    "validate": Command("polbot.commands.validate", "validate", "check a knowledge-base folder"),
    "ask": Command("polbot.commands.search", "ask", "answer a question from the handbook"),
    "eval": Command(
        "polbot.commands.search", "evaluate", "measure the search engine on a question file"
    ),
    "bench": Command(
        "polbot.commands.search", "bench", "measure the search engine's speed and memory"
    ),
    "chat": Command("polbot.commands.chat", "chat", "chat with polbot in the terminal"),
    "serve": Command(
        "polbot.commands.serve", "serve", "run the HTTP server with every enabled channel"
    ),
    "config": Command("polbot.commands.serve", "config", "print the effective configuration"),
    "telegram": Command("polbot.commands.telegram", "telegram", "run the Telegram bot (polling)"),
    "teams-package": Command(
        "polbot.commands.teams_package", "teams_package", "write the Teams app package"
    ),
    "review": Command(
        "polbot.commands.review", "review", "report the questions polbot could not answer well"
    ),
}
"""Every command of ``polbot``: the module and function that run it, and its help line."""


def _top_parser() -> argparse.ArgumentParser:
    lines = [f"  {name:<14} {command.help}" for name, command in COMMANDS.items()]
    return argparse.ArgumentParser(
        prog="polbot",
        description="A Dutch chat assistant for the handbook 'Aanpak polarisatie'.",
        epilog="commands:\n" + "\n".join(lines) + "\n\n'polbot COMMAND --help' tells more.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def parser(name: str) -> argparse.ArgumentParser:
    """The argument parser of ``polbot <name>``, with the options its module declares."""
    command = COMMANDS[name]
    module = importlib.import_module(command.module)
    result = argparse.ArgumentParser(prog=f"polbot {name}", description=command.help)
    getattr(module, f"{command.function}_arguments")(result)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    top = _top_parser()
    top.add_argument(
        "--version", action="version", version=f"polbot {__version__}", help="print the version"
    )
    top.add_argument("command", choices=sorted(COMMANDS), metavar="COMMAND")
    if not argv:
        top.print_help()
        return 2
    if argv[0] not in COMMANDS:
        top.parse_args(argv[:1])  # --help, or an "invalid choice" error
        return 2
    name, rest = argv[0], argv[1:]
    args = parser(name).parse_args(rest)
    run = getattr(importlib.import_module(COMMANDS[name].module), COMMANDS[name].function)
    try:
        return int(run(args) or 0)
    except (errors.InputError, errors.SetupError) as exc:
        print_error(name, exc)
        return 2
    except KeyboardInterrupt:
        return 130


def print_error(command: str, error: Exception | str) -> None:
    """Print ``error`` on stderr, each of its lines prefixed ``polbot <command>: ``.

    A :class:`polbot.errors.KnowledgeError` has one line per problem; other errors say one
    thing.
    """
    for line in str(error).splitlines() or [type(error).__name__]:
        print(f"polbot {command}: {line}", file=sys.stderr)
