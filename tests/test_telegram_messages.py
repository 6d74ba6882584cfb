"""The Telegram channel's own texts: all in knowledge/messages-telegram.yaml, all used."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from polbot.knowledge import KnowledgeBase
from polbot.vocabulary import TELEGRAM_MENU as COMMANDS

ROOT = Path(__file__).resolve().parents[1]
CHANNEL = ROOT / "src" / "polbot" / "channels" / "telegram"
_USE = re.compile(r"""message\(\s*["']([a-z0-9-]+)["']""")


def used_keys() -> set[str]:
    literal = {key for path in CHANNEL.glob("*.py") for key in _USE.findall(path.read_text())}
    return literal | {f"telegram-command-{name}" for name in COMMANDS}


def test_the_file_holds_exactly_the_texts_the_channel_uses() -> None:
    data = yaml.safe_load((ROOT / "knowledge" / "messages-telegram.yaml").read_text("utf-8"))
    assert set(data) == {"messages"}
    assert set(data["messages"]) == used_keys()
    assert all(key.startswith("telegram-") for key in data["messages"])


def test_command_descriptions_fit_telegram_and_the_loader_merges_the_file(
    kb: KnowledgeBase,
) -> None:
    for name in COMMANDS:
        assert 1 <= len(kb.message(f"telegram-command-{name}")) <= 256
        assert re.fullmatch(r"[a-z0-9_]{1,32}", name)
