"""Conversations through the core on the real knowledge base and the real engine.

Each test plays a few user turns and reads the transcript as a conversation:
``> user`` lines, ``< bot`` lines, and the offered buttons as ``[label]``.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogue_support import converse
from polbot.dialogue import Assistant, ButtonPress, Reply, Span, TextMessage
from polbot.knowledge import KnowledgeBase
from polbot.search import Engine
from polbot.search.tuning import Policy

HELPDESK = "VeiligheidsAlliantie@rotterdam.nl"
# Asked in the words of one page only, and one word three training pages share.
CONFIDENT = "Welke baliemedewerkers moeten getraind worden?"
AMBIGUOUS = "training"


def links(reply: Reply) -> set[str]:
    spans: list[Span] = []
    for block in reply.blocks:
        spans += getattr(block, "spans", ())
        spans += [span for item in getattr(block, "items", ()) for span in item]
    return {span.link for span in spans if span.link}


def button_labels(reply: Reply) -> list[str]:
    return [button.label for button in reply.buttons]


def test_click_a_theme_a_page_back_to_the_theme_and_home(assistant: Assistant) -> None:
    text, replies = converse(
        assistant,
        [
            "/start",
            "[Signalering]",
            "[Zet in op vroegtijdige signalering]",
            "[Terug naar Signalering]",
            "[Hoofdmenu]",
        ],
    )
    assert [reply.kind for reply in replies] == ["menu", "theme", "page", "theme", "menu"], text
    assert replies[2].page_id == "vroegtijdige-signalering"
    assert "< [Zet in op vroegtijdige signalering] [Schakel de juiste ketenpartners in]" in text
    assert "Polarisatie en verbinding" in text  # a tool of the page


def test_a_question_is_answered_with_its_page_and_the_way_on(
    assistant: Assistant, kb: KnowledgeBase
) -> None:
    text, replies = converse(assistant, [CONFIDENT, "[Lees verder]"])
    answer, page = replies
    assert (answer.kind, answer.page_id) == ("answer", "train-de-juiste-mensen"), text
    assert f"< {kb.page('train-de-juiste-mensen').summary}" in text  # type: ignore[union-attr]
    labels = button_labels(answer)
    assert labels[:4] == ["👍 Ja", "👎 Nee", "Lees verder", "Terug naar Bewustwording & kennis"]
    assert "< Heeft dit antwoord u geholpen?" in text
    assert labels[-1] == "Hoofdmenu"
    assert len(labels) > 5  # related pages in between
    assert (page.kind, page.page_id) == ("page", "train-de-juiste-mensen")


def test_an_uncertain_answer_comes_with_the_other_likely_pages(kb: KnowledgeBase) -> None:
    # An engine that is never sure enough to answer straight away.
    engine = Engine(kb, policy=Policy(direct_at=1.0))
    text, (reply,) = converse(Assistant(kb, engine), [AMBIGUOUS])
    assert (reply.kind, reply.page_id) == ("alternatives", "train-de-juiste-mensen"), text
    assert f"< {kb.page('train-de-juiste-mensen').summary}" in text  # type: ignore[union-attr]
    assert "< Bedoelde u misschien:" in text
    labels = button_labels(reply)
    assert labels[2] == "Lees verder" and labels[-1] == "Hoofdmenu", text
    alternatives = {b.payload for b in reply.buttons[3:-1]}
    assert alternatives == {"p:verbreden-van-de-kennis", "p:haak-externe-partners-aan"}, text


def test_an_out_of_handbook_question_gets_the_helpdesk_and_suggestions(
    assistant: Assistant,
) -> None:
    text, (reply,) = converse(assistant, ["Hoe laat vertrekt de laatste trein naar Utrecht?"])
    assert reply.kind == "fallback", text
    assert HELPDESK in text
    assert f"mailto:{HELPDESK}" in links(reply)
    assert [b.payload for b in reply.buttons][-1] == "home"
    assert any(b.payload.startswith("p:") for b in reply.buttons), text


@pytest.mark.parametrize("payload", ["p:does-not-exist", "", "\x00" * 200, "t:signalering:2"])
def test_a_forged_payload_gets_a_polite_word_and_the_home_menu(
    assistant: Assistant, payload: str
) -> None:
    text, (reply,) = converse(assistant, [ButtonPress(payload)])
    assert reply.kind == "invalid", text
    assert "[Beleid & organisatie] [Signalering]" in text


def test_a_greeting_gets_a_friendly_word_and_the_menu(assistant: Assistant) -> None:
    text, (reply,) = converse(assistant, ["Goedemorgen!"])
    assert reply.kind == "smalltalk", text
    assert "[Beleid & organisatie] [Signalering]" in text


def test_help_explains_asking_and_navigating(assistant: Assistant) -> None:
    text, (reply,) = converse(assistant, ["/help"])
    assert reply.kind == "help"
    for command in ("/menu", "/contact", "Hoofdmenu", "Terug naar"):
        assert command in text


def test_contact_gives_the_helpdesk_as_a_mail_link(assistant: Assistant) -> None:
    text, (reply,) = converse(assistant, ["/contact"])
    assert (reply.kind, reply.page_id) == ("page", "contact"), text
    assert f"mailto:{HELPDESK}" in links(reply)


def test_about_names_the_handbook(assistant: Assistant) -> None:
    text, (reply,) = converse(assistant, ["/over"])
    assert "Aanpak polarisatie" in text
    assert button_labels(reply) == ["Hoofdmenu", "Hulp"]


@pytest.mark.parametrize(
    ("message", "kinds"),
    [
        ("", {"help"}),
        ("   ", {"help"}),
        ("x" * 100_000, {"help"}),
        ("🙂🙂🙂", {"fallback", "smalltalk"}),
        ("<script>alert(1)</script>", {"fallback"}),
    ],
)
def test_odd_messages_get_a_helpful_reply_that_does_not_echo_them(
    assistant: Assistant, message: str, kinds: set[str]
) -> None:
    text, (reply,) = converse(assistant, [message])
    assert reply.kind in kinds, text
    assert reply.buttons
    bot_text = "\n".join(line for line in text.splitlines() if line.startswith("<"))
    assert "xxxxxxxxxx" not in bot_text
    assert "script" not in bot_text


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=600))
def test_any_text_gets_a_reply_with_buttons_from_the_real_engine(
    assistant: Assistant, text: str
) -> None:
    (reply,) = assistant.handle(TextMessage(text))
    assert reply.blocks and reply.buttons


@pytest.mark.parametrize(
    "question", ["Wat is polarisatie?", "Hoe ontstaat polarisatie langs scheidslijnen?"]
)
def test_an_answer_never_says_a_sentence_twice(
    assistant: Assistant, kb: KnowledgeBase, question: str
) -> None:
    # The passage under "Uit de handreiking:" may begin with the sentence the summary just
    # said ("Polarisatie is 'de verscherping ...'"): only what the summary does not say
    # follows it.
    text, [reply] = converse(assistant, [TextMessage(question)])
    assert reply.kind == "answer" and reply.page_id == "definitie"
    page = kb.page("definitie")
    assert page is not None
    summary = " ".join(page.summary.split())
    assert " ".join(text.split()).count(summary) == 1, text
    assert "Maatschappelijke spanningen en segregatie" in text
