"""Where polbot finds its bundled knowledge base and configuration."""

from __future__ import annotations

import os
from pathlib import Path

from polbot.vocabulary import CONFIG_ENV, KNOWLEDGE_DIR_ENV

# src/polbot/paths.py -> the checkout (or the image's /app) holding knowledge/ and config/.
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def default_knowledge_dir() -> Path:
    """The knowledge folder: ``POLBOT_KNOWLEDGE_DIR``, else the bundled ``knowledge/``."""
    configured = os.environ.get(KNOWLEDGE_DIR_ENV)
    if configured:
        return Path(configured)
    return PROJECT_ROOT / "knowledge"


def default_config_file() -> Path:
    """The configuration file: ``POLBOT_CONFIG``, else the bundled ``config/polbot.yaml``."""
    configured = os.environ.get(CONFIG_ENV)
    if configured:
        return Path(configured)
    return PROJECT_ROOT / "config" / "polbot.yaml"
