"""``polbot chat``: the terminal channel (:mod:`polbot.channels.console`) in this terminal."""

from __future__ import annotations

import argparse
import sys

from polbot.commands.options import add_kb_option
from polbot.runtime.assembly import Assembly


def chat_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options of ``polbot chat``."""
    add_kb_option(parser)


def chat(args: argparse.Namespace) -> int:
    """Load the knowledge base and engine, then chat until the user stops."""
    from polbot.channels.console import converse, line_editing

    line_editing()
    parts = Assembly.load(args.kb)
    return converse(parts.kb, parts.assistant, read=input, out=sys.stdout)
