"""The language data of the knowledge base is unambiguous for the search engine."""

from collections import Counter

import pytest


def _plain(text: str) -> str:
    return " ".join(text.casefold().replace("?", " ").split())


def test_a_word_belongs_to_one_synonym_group_only(kb):
    counts = Counter(_plain(word) for group in kb.synonyms for word in set(group))
    assert [word for word, n in counts.items() if n > 1] == []


def test_every_synonym_group_has_two_words_or_more(kb):
    assert [group for group in kb.synonyms if len(set(group)) < 2] == []


def test_smalltalk_examples_belong_to_one_intent_and_are_no_page_questions(kb):
    questions = {_plain(q) for page in kb.pages for q in page.questions}
    examples = Counter(_plain(e) for intent in kb.smalltalk for e in set(intent.examples))
    assert [e for e, n in examples.items() if n > 1] == []
    assert set(examples) & questions == set()


@pytest.mark.parametrize("abbreviation", ["IVP", "AVG", "fte", "VAR", "KIS", "NJI"])
def test_the_handbooks_abbreviations_are_spelled_out(kb, abbreviation):
    assert kb.abbreviations[abbreviation].strip()
