"""Every text a user reads lives in knowledge/ or config/, never in Python code.

A string literal in ``src/`` that reads as a Dutch sentence (two or more Dutch function or
interface words) fails the scan; docstrings are not shown to users and are skipped.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
# Dutch function words and the interface words of this assistant.
_WORDS = (
    "de het een u uw niet van voor naar en met ik je jij wij zijn wordt kunt heeft deze "
    "dit dat geen bij ook hier wat hoe waar welke graag helaas terug lees verder kies "
    "vraag vragen onderwerp bedoelde hoofdmenu welkom stel typ knop tot ziens assistent "
    "handreiking documenten instrumenten bronnen vervolg"
)
DUTCH_WORDS = frozenset(_WORDS.split())
# (file relative to src/, literal) pairs that look Dutch but no user reads them.
ALLOWED: frozenset[tuple[str, str]] = frozenset(
    {
        # Recognises the handbook export's navigation lines when checking coverage.
        (
            "polbot/knowledge/coverage.py",
            r"^(?:\[?Terug naar\b.*|KLIK OP HET ONDERWERP\b.*|Tools)$",
        ),
    }
)


def looks_dutch(text: str) -> bool:
    words = re.findall(r"[a-zà-ÿ]+", text.lower())
    return sum(word in DUTCH_WORDS for word in words) >= 2


def string_literals(path: Path) -> list[tuple[int, str]]:
    """The string constants of a module, without docstrings and other bare strings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bare = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in bare
    ]


def test_no_dutch_sentence_is_written_in_python_code() -> None:
    found = [
        f"{path.relative_to(SRC)}:{line}: {text!r}"
        for path in sorted(SRC.rglob("*.py"))
        for line, text in string_literals(path)
        if looks_dutch(text) and (str(path.relative_to(SRC)), text) not in ALLOWED
    ]
    assert found == []


def _messages() -> list[str]:
    data = yaml.safe_load((ROOT / "knowledge" / "messages.yaml").read_text(encoding="utf-8"))
    return [text for text in data["messages"].values() if len(text.split()) >= 3]


@pytest.mark.parametrize("text", _messages())
def test_the_scan_recognises_the_assistants_own_dutch_texts(text: str) -> None:
    assert looks_dutch(text)


@pytest.mark.parametrize(
    "text",
    ["button payload does not parse (%d bytes)", "not a dialogue event: {}", "knowledge base"],
)
def test_the_scan_lets_english_log_and_error_texts_pass(text: str) -> None:
    assert not looks_dutch(text)
