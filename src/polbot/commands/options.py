"""The options several commands share: ``--kb DIR`` and ``--config FILE``."""

from __future__ import annotations

import argparse
from pathlib import Path

from polbot.vocabulary import CONFIG_ENV, KNOWLEDGE_DIR_ENV

KB_HELP = f"knowledge folder (default: ${KNOWLEDGE_DIR_ENV} or the bundled knowledge/)"
"""What a knowledge-folder argument means, for every command that takes one."""


def add_kb_option(parser: argparse.ArgumentParser) -> None:
    """``--kb DIR``: the knowledge folder, as ``args.kb`` (``None``: the default)."""
    parser.add_argument(
        "--kb",
        type=Path,
        metavar="DIR",
        help=KB_HELP,
    )


def add_config_option(parser: argparse.ArgumentParser) -> None:
    """``--config FILE``: the configuration file, as ``args.config`` (``None``: the default)."""
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help=f"configuration file (default: ${CONFIG_ENV} or the bundled config/polbot.yaml)",
    )
