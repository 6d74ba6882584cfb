"""The language data of the knowledge base is unambiguous for the search engine."""

from collections import Counter
from pathlib import Path

import pytest
import yaml

from polbot.knowledge.model import KnowledgeFile

KNOWLEDGE = Path(__file__).resolve().parents[1] / "knowledge"


@pytest.fixture(scope="module")
def language():
    text = (KNOWLEDGE / "language.yaml").read_text(encoding="utf-8")
    return KnowledgeFile.model_validate(yaml.safe_load(text))


def _plain(text: str) -> str:
    return " ".join(text.casefold().replace("?", " ").split())


def test_a_word_belongs_to_one_synonym_group_only(language):
    counts = Counter(_plain(word) for group in language.synonyms for word in set(group))
    assert [word for word, n in counts.items() if n > 1] == []


def test_every_synonym_group_has_two_words_or_more(language):
    assert [group for group in language.synonyms if len(set(group)) < 2] == []


def test_smalltalk_examples_belong_to_one_intent_and_are_no_page_questions(language):
    pages = [
        KnowledgeFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        for path in KNOWLEDGE.glob("*.yaml")
    ]
    questions = {_plain(q) for f in pages for page in f.pages for q in page.questions}
    examples = Counter(_plain(e) for intent in language.smalltalk for e in set(intent.examples))
    assert [e for e, n in examples.items() if n > 1] == []
    assert set(examples) & questions == set()


@pytest.mark.parametrize("abbreviation", ["IVP", "AVG", "fte", "VAR", "KIS", "NJI"])
def test_the_handbooks_abbreviations_are_spelled_out(language, abbreviation):
    assert language.abbreviations[abbreviation].strip()
