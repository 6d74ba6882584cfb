"""De-identification measured on Dutch messages full of personal data
(``tests/data/review-deidentify.yaml``): deduce alone, and with polbot's own patterns.

The file records both measurements per category; polbot's must leak nothing, and a clean
question must be kept with its topic words.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from review_support import leaks

pytest.importorskip("deduce", reason="the review extra is not installed")

from polbot.review import deidentify as module

DATA = Path(__file__).parent / "data" / "review-deidentify.yaml"


def load() -> dict[str, Any]:
    return yaml.safe_load(DATA.read_text(encoding="utf-8"))


def outcome(message: dict[str, Any], cleaned: str | None) -> str:
    if message["category"] == "clean":
        kept = cleaned is not None and all(word in cleaned for word in message["keep"])
        return "kept" if kept else "lost"
    if cleaned is None:
        return "dropped"
    leaked = [part for secret in message["secrets"] for part in leaks(str(secret), cleaned)]
    return "missed" if leaked else "found"


def measure(clean: Any) -> dict[str, dict[str, int]]:
    table: dict[str, Counter[str]] = {}
    for message in load()["messages"]:
        result = outcome(message, clean(message["text"]))
        table.setdefault(message["category"], Counter())[result] += 1
    return {category: dict(sorted(counts.items())) for category, counts in table.items()}


def deduce_alone(text: str) -> str:
    return module.redact(text, module.deduce_spans(text))


def test_the_recorded_measurement_of_deduce_alone_is_current() -> None:
    assert measure(deduce_alone) == load()["measured"]["deduce"]


def test_with_polbots_patterns_nothing_leaks_and_clean_questions_are_kept() -> None:
    measured = measure(module.deidentify)
    assert measured == load()["measured"]["polbot"]
    assert all("missed" not in counts for counts in measured.values())
    assert measured["clean"] == {"kept": sum(measured["clean"].values())}


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("Mijn naam is Jan de Vries, hoe breng ik polarisatie in kaart?", "Jan de Vries"),
        ("Bel +31 6 1234 5678 aub", "+31 6 1234 5678"),
        ("IBAN NL91 ABNA 0417 1643 00", "NL91 ABNA 0417 1643 00"),
        ("Kenteken 12-XYZ-3 staat er vaak", "12-XYZ-3"),
        ("postcode 3512jk", "3512jk"),
    ],
)
def test_each_kind_of_personal_data_is_replaced_by_a_tag(text: str, secret: str) -> None:
    cleaned = module.deidentify(text)
    assert cleaned is not None and "[" in cleaned
    assert leaks(secret, cleaned) == []


@pytest.mark.parametrize(
    "text",
    [
        "x" * (module.MAX_LENGTH + 1),  # too long to trust
        "Jan de Vries, 06-12345678, jan@example.nl",  # nothing but personal data
        "",
    ],
)
def test_a_question_that_cannot_be_cleaned_with_confidence_is_dropped(text: str) -> None:
    assert module.deidentify(text) is None


def test_a_failing_de_identifier_drops_the_question_with_one_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(text: str) -> list[module.Span]:
        raise RuntimeError(text)

    monkeypatch.setattr(module, "deduce_spans", broken)
    assert module.deidentify("Mijn naam is Jan de Vries") is None
    assert [r.getMessage() for r in caplog.records] == ["de-identification failed"]
    assert "Vries" not in caplog.text
