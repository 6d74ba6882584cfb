"""The options several commands share: ``--kb DIR`` and ``--config FILE``."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_kb_option(parser: argparse.ArgumentParser) -> None:
    """``--kb DIR``: the knowledge folder, as ``args.kb`` (``None``: the default)."""
    parser.add_argument(
        "--kb",
        type=Path,
        metavar="DIR",
        help="knowledge folder (default: $POLBOT_KNOWLEDGE_DIR or the bundled knowledge/)",
    )


def add_config_option(parser: argparse.ArgumentParser) -> None:
    """``--config FILE``: the configuration file, as ``args.config`` (``None``: the default)."""
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="configuration file (default: $POLBOT_CONFIG or the bundled config/polbot.yaml)",
    )
