"""Every button reachable from home on the real knowledge base opens a page or a menu.

Navigation never searches: the engine here fails the test if it is asked anything.
"""

from __future__ import annotations

import re
from collections import deque

import pytest

from polbot.dialogue import Assistant, ButtonPress, Command, Reply, plain
from polbot.dialogue.assistant import PART_LIMIT
from polbot.dialogue.payloads import MAX_BYTES
from polbot.knowledge import KnowledgeBase
from polbot.search.result import SearchResult


class NoSearch:
    def search(self, text: str) -> SearchResult:
        raise AssertionError(f"navigation searched for {text!r}")


@pytest.fixture(scope="module")
def walk(kb: KnowledgeBase) -> dict[str, tuple[int, Reply]]:
    """Breadth-first over payloads: payload -> (presses from home, the reply it gives)."""
    assistant = Assistant(kb, NoSearch())
    (home,) = assistant.handle(Command("start"))
    seen: dict[str, tuple[int, Reply]] = {}
    queue = deque((button.payload, 1) for button in home.buttons)
    while queue:
        payload, depth = queue.popleft()
        if payload in seen:
            continue
        (reply,) = assistant.handle(ButtonPress(payload))
        seen[payload] = (depth, reply)
        queue.extend((button.payload, depth + 1) for button in reply.buttons)
    return seen


def test_every_reachable_button_opens_a_page_or_a_menu(walk: dict[str, tuple[int, Reply]]) -> None:
    kinds = {payload: reply.kind for payload, (_, reply) in walk.items()}
    assert set(kinds.values()) <= {"menu", "theme", "page", "help"}
    assert kinds["home"] == "menu"


def test_every_payload_fits_in_64_bytes(walk: dict[str, tuple[int, Reply]]) -> None:
    assert max(len(payload.encode()) for payload in walk) <= MAX_BYTES


def test_every_page_and_theme_is_at_most_three_presses_from_home(
    kb: KnowledgeBase, walk: dict[str, tuple[int, Reply]]
) -> None:
    depth = {payload: presses for payload, (presses, _) in walk.items()}
    far = {f"p:{page.id}": depth.get(f"p:{page.id}") for page in kb.pages}
    far |= {f"t:{theme.id}": depth.get(f"t:{theme.id}") for theme in kb.themes}
    assert {target: presses for target, presses in far.items() if not presses or presses > 3} == {}


def test_every_page_part_fits_one_message(walk: dict[str, tuple[int, Reply]]) -> None:
    sizes = {p: len(plain(reply)) for p, (_, reply) in walk.items() if reply.kind == "page"}
    assert max(sizes.values()) <= PART_LIMIT


def test_a_page_shown_in_parts_loses_no_sentence_of_its_text(
    kb: KnowledgeBase, walk: dict[str, tuple[int, Reply]]
) -> None:
    for page in kb.pages:
        shown = " ".join(
            plain(reply)
            for payload, (_, reply) in walk.items()
            if payload.split(":")[:2] == ["p", page.id]
        )
        for paragraph in page.text:
            for sentence in re.split(r"(?<=[.!?])\s+", " ".join(paragraph.split())):
                assert sentence in " ".join(shown.split()), page.id
