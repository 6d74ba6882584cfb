"""The conversation texts the code asks for exist, and every one of them is used."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from polbot.knowledge import KnowledgeBase
from polbot.knowledge.messages import MESSAGE_FIELDS

ROOT = Path(__file__).resolve().parents[1]
# kb.message("key", ...) and self._message("key", ...) in the source.
_USE = re.compile(r"""message\(\s*["']([a-z0-9-]+)["']""")
# kb.message("key", field=...): the first field filled in.
_FIELD = re.compile(r"""message\(\s*["']([a-z0-9-]+)["']\s*,\s*([a-z_]+)=""")


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
    assert {"fallback", "alternatives", "button-back", "console-goodbye"} <= used
    assert sorted(used - set(kb.messages)) == []


def test_every_text_of_the_dialogue_messages_file_is_used() -> None:
    data = yaml.safe_load((ROOT / "knowledge" / "messages.yaml").read_text(encoding="utf-8"))
    assert sorted(set(data["messages"]) - used_keys()) == []


def test_the_loader_requires_exactly_the_texts_the_bundled_knowledge_base_has(
    kb: KnowledgeBase,
) -> None:
    """``polbot validate`` refuses a folder without a text the code asks for: the list it
    checks against names every key the code uses and every key of the bundled texts."""
    assert sorted(used_keys() - set(MESSAGE_FIELDS)) == []
    assert sorted(set(MESSAGE_FIELDS) ^ set(kb.messages)) == []


def test_the_fields_the_code_fills_in_are_the_ones_the_loader_allows() -> None:
    filled = {
        (key, field)
        for path in (ROOT / "src").rglob("*.py")
        for key, field in _FIELD.findall(path.read_text(encoding="utf-8"))
    }
    assert ("question-too-long", "limit") in filled
    assert sorted((k, f) for k, f in filled if f not in MESSAGE_FIELDS[k]) == []
