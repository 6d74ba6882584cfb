"""Reading a chat message: what asks, what sets the scene, what says nothing."""

from __future__ import annotations

import pytest

from polbot.search import Engine
from polbot.search.message import MAX_ANALYSED_CHARS, MessageReader
from polbot.search.smalltalk import SmalltalkMatcher


@pytest.fixture(scope="module")
def reader(kb) -> MessageReader:
    return MessageReader(SmalltalkMatcher(kb.smalltalk))


def read(reader: MessageReader, text: str) -> list[tuple[str, str]]:
    return [(s.role, s.text) for s in reader.read(text).sentences]


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("Hoi, wie moet ik trainen?", [("question", "wie moet ik trainen")]),
        ("Goedemorgen allemaal! Wie moet ik trainen?", [("question", "Wie moet ik trainen")]),
        ("Hoi Kees, wie moet ik trainen?", [("question", "wie moet ik trainen")]),
        ("Wie moet ik trainen? Groet, Sanne", [("question", "Wie moet ik trainen")]),
        ("Wie moet ik trainen? mvg Kees", [("question", "Wie moet ik trainen")]),
        (
            "Wie moet ik trainen? Alvast bedankt! Met vriendelijke groet, W. de Jong (OOV)",
            [("question", "Wie moet ik trainen")],
        ),
        (
            "Wie moet ik trainen? Kun je dat voor me uitzoeken?",
            [("question", "Wie moet ik trainen")],
        ),
        ("Wie moet ik volgens de handreiking trainen?", [("question", "Wie moet ik trainen")]),
    ],
)
def test_what_carries_no_question_is_set_aside(reader, message, expected) -> None:
    assert read(reader, message) == expected


def test_context_and_question_are_told_apart(reader) -> None:
    sentences = read(
        reader,
        "In onze wijk is veel onrust na een incident bij de moskee, bijv. op straat. "
        "Wie kan het gesprek het beste voeren? We hebben weinig contacten.",
    )
    assert [role for role, _ in sentences] == ["context", "question", "context"]
    assert sentences[0][1].endswith("bijv op straat")  # no sentence end after "bijv."


def test_a_message_without_an_asking_sentence_asks_with_all_of_it(reader) -> None:
    assert read(reader, "signaleringsnetwerk opzetten") == [
        ("question", "signaleringsnetwerk opzetten")
    ]


@pytest.mark.parametrize(
    ("message", "intent"),
    [
        ("Dankjewel, hier kan ik mee verder!", "thanks"),
        ("merci, da's duidelijk", "thanks"),
        ("hey, hoe gaat het?", "how-are-you"),
        ("hallo polbot", "greeting"),
        ("tot morgen!", "goodbye"),
        ("top", "acknowledgement"),
    ],
)
def test_a_message_of_only_smalltalk_is_smalltalk(reader, message, intent) -> None:
    read_ = reader.read(message)
    assert (read_.smalltalk, read_.sentences) == (intent, ())


def test_thanks_with_a_question_is_a_question(reader) -> None:
    message = reader.read("Bedankt! En wie moet ik trainen?")
    assert message.smalltalk is None
    assert [s.role for s in message.sentences] == ["question"]


@pytest.mark.parametrize(
    ("message", "wanted"),
    [
        ("Wat is het telefoonnummer van de wijkagent?", "fact"),
        ("Schrijf een toespraak over verbinding", "task"),
        ("Wat vind jij van windmolens?", "opinion"),
        ("Hoe werkt gepolariseerd licht?", "sense"),
        ("Mijn laptop loopt vast. Wat moet ik doen?", "it"),
    ],
)
def test_what_a_question_asks_for_beside_guidance_is_noted(reader, message, wanted) -> None:
    requests = {r for s in reader.read(message).sentences for r in s.requests}
    assert wanted in requests


def test_the_question_is_kept_however_long_the_context_before_it(reader) -> None:
    context = "Er is veel onrust in de wijk na een incident. " * 40
    message = reader.read(context + "Wie moet ik trainen?")
    assert ("question", "Wie moet ik trainen") in [(s.role, s.text) for s in message.sentences]
    assert sum(len(s.text) for s in message.sentences) <= MAX_ANALYSED_CHARS


@pytest.mark.parametrize(
    "message",
    [
        "Hoi! Wie moet ik trainen? En hoe laat begint de raadsvergadering vanavond?",
        "Hoe laat begint de raadsvergadering vanavond? En wie moet ik trainen?",
    ],
)
def test_of_two_questions_the_one_the_handbook_answers_is_answered(kb, message) -> None:
    result = Engine(kb).search(message)
    assert (result.kind, result.page_id) == ("answer", "train-de-juiste-mensen")


def test_a_name_is_not_a_typo(kb) -> None:
    analyzer = Engine(kb).analyzer
    # Lower case, "netwrk" is a typo of "netwerk"; capitalised inside a sentence, a name.
    typo, _, _ = analyzer.question_terms("we overleggen via netwrk")
    name, meant, _ = analyzer.question_terms("we overleggen via Netwrk")
    assert any(t.kind == "correction" and t.text == "netwerk" for t in typo)
    assert not any(t.kind == "correction" for t in name)
    assert "netwrk" in meant.values()


def test_a_town_says_nothing_about_the_topic(kb) -> None:
    engine = Engine(kb)
    plain = engine.rank("Wie moet ik trainen?")
    with_town = engine.rank("Wie moet ik trainen in Capelle aan den IJssel?")
    [plain_reading], [town_reading] = plain.readings, with_town.readings
    pages = [ranked.page_id for ranked in plain_reading.pages]
    assert [ranked.page_id for ranked in town_reading.pages] == pages
    relevance = [ranked.evidence.relevance for ranked in plain_reading.pages]
    assert [r.evidence.relevance for r in town_reading.pages] == pytest.approx(relevance)
