"""The conversation texts the code asks for exist, and every one of them is used."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from polbot.knowledge import KnowledgeBase

ROOT = Path(__file__).resolve().parents[1]
# kb.message("key", ...) and self._message("key", ...) in the source.
_USE = re.compile(r"""message\(\s*["']([a-z0-9-]+)["']""")


def used_keys() -> set[str]:
    return {
        key
        for path in (ROOT / "src").rglob("*.py")
        for key in _USE.findall(path.read_text(encoding="utf-8"))
    }


def test_every_message_key_used_in_the_code_exists_in_the_knowledge_base(
    kb: KnowledgeBase,
) -> None:
    used = used_keys()
    assert {"fallback", "doubtful", "button-back", "console-goodbye"} <= used
    assert sorted(used - set(kb.messages)) == []


def test_every_text_of_the_dialogue_messages_file_is_used() -> None:
    data = yaml.safe_load((ROOT / "knowledge" / "messages.yaml").read_text(encoding="utf-8"))
    assert sorted(set(data["messages"]) - used_keys()) == []
