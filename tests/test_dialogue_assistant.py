"""The conversation core on a tiny knowledge base and a fake engine.

The engine is the one seam replaced here, so that every kind of search result can be
produced on purpose; ``test_dialogue_transcripts.py`` runs the real engine.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialogue_support import FakeEngine, converse, result, tiny_kb
from polbot.dialogue import (
    Assistant,
    BulletList,
    ButtonPress,
    Command,
    Paragraph,
    Reply,
    TextMessage,
    plain,
)
from polbot.dialogue.assistant import MAX_QUESTION_CHARS, PART_LIMIT
from polbot.search.result import Passage
from polbot.vocabulary import COMMANDS

KB = tiny_kb()
RESULTS = {
    "netwerk?": result("answer", "netwerk", "netwerk", "lang"),
    "twijfel?": result("answer", "netwerk", "netwerk", "lang", "kort", direct=False),
    "elders?": result("fallback", None, "kort", "bestaat-niet", "netwerk"),
    "niets?": result("fallback"),
    "hoi": result("smalltalk", None, smalltalk_id="groet"),
    "vreemd?": result("smalltalk", None, smalltalk_id="onbekend"),
    "kapot?": result("answer", "bestaat-niet", "bestaat-niet"),
    # What the engine ranks nearest to a page's title: the answer to a 👎.
    "Netwerk opbouwen": result("answer", "netwerk", "netwerk", "kort", "bestaat-niet"),
}


@pytest.fixture
def engine() -> FakeEngine:
    return FakeEngine(RESULTS)


@pytest.fixture
def assistant(engine: FakeEngine) -> Assistant:
    return Assistant(KB, engine)


def one(assistant: Assistant, event: object) -> Reply:
    (reply,) = assistant.handle(event)  # type: ignore[arg-type]
    return reply


def labels(reply: Reply) -> list[str]:
    return [button.label for button in reply.buttons]


def payloads_of(reply: Reply) -> list[str]:
    return [button.payload for button in reply.buttons]


HOME_BUTTONS = ["t:signalering", "p:definitie", "p:contact"]


@pytest.mark.parametrize("command", ["start", "menu", "/menu", " START ", "start@polbot_bot"])
def test_start_and_menu_show_the_home_menu(assistant: Assistant, command: str) -> None:
    reply = one(assistant, Command(command))
    assert (reply.kind, payloads_of(reply)) == ("menu", HOME_BUTTONS)
    assert labels(reply) == ["Signalering", "Wat is polarisatie?", "Contact"]


def test_start_says_the_welcome_of_the_knowledge_base(assistant: Assistant) -> None:
    assert plain(one(assistant, Command("start"))) == KB.home.welcome


def test_a_theme_lists_its_pages_in_order_then_the_home_menu(assistant: Assistant) -> None:
    reply = one(assistant, ButtonPress("t:signalering"))
    assert reply.kind == "theme"
    assert payloads_of(reply) == ["p:netwerk", "p:lang", "p:kort", "home"]
    assert labels(reply)[-1] == KB.message("button-home")
    assert "Over signalering." in plain(reply)


def test_a_page_shows_everything_and_offers_related_back_and_home(assistant: Assistant) -> None:
    reply = one(assistant, ButtonPress("p:netwerk"))
    assert (reply.kind, reply.page_id) == ("page", "netwerk")
    text = plain(reply)
    for shown in (
        "Netwerk opbouwen",
        "Samenvatting van Netwerk opbouwen.",
        "Tekst van Netwerk opbouwen.",
        "Mogelijke partners\n\n- Politie\n- Scholen",
        "Extern | Intern\nWijkwerkers | -\n",
        "- Wijkmonitor <https://example.nl/monitor>",
    ):
        assert shown in text
    assert payloads_of(reply) == ["p:lang", "p:contact", "t:signalering", "home"]
    assert labels(reply)[2] == KB.message("button-back", theme="Signalering")


def test_lists_and_tables_follow_the_paragraph_that_announces_them(assistant: Assistant) -> None:
    text = plain(one(assistant, ButtonPress("p:netwerk")))
    order = ["Denk hierbij aan:", "Mogelijke partners", "Extern | ", "Slotalinea.", "Wijkmonitor"]
    assert sorted(order, key=text.index) == order


def test_a_page_does_not_repeat_a_summary_its_text_already_says(assistant: Assistant) -> None:
    reply = one(assistant, ButtonPress("p:kort"))
    assert plain(reply) == "Een korte pagina\n\nTekst van Een korte pagina."


def test_a_home_page_goes_back_to_the_home_menu_only(assistant: Assistant) -> None:
    reply = one(assistant, Command("contact"))
    assert (reply.kind, reply.page_id, payloads_of(reply)) == ("page", "contact", ["home"])
    assert any(span.link == "mailto:help@example.nl" for span in reply.blocks[1].spans)  # type: ignore[union-attr]


def test_a_long_page_comes_in_parts_cut_between_sentences(assistant: Assistant) -> None:
    parts = [one(assistant, ButtonPress("p:lang"))]
    while labels(parts[-1])[0] == KB.message("button-more"):
        parts.append(one(assistant, ButtonPress(parts[-1].buttons[0].payload)))
    assert len(parts) >= 3
    sentences = 0
    for reply in parts:
        text = plain(reply)
        assert len(text) <= PART_LIMIT
        assert text.endswith(".")
        sentences += text.count(LONG_SENTENCE_END)
    assert sentences == 4 * 12
    assert plain(parts[1]).startswith(KB.message("page-continued", title="Een lange pagina"))
    assert payloads_of(parts[0]) == ["p:lang:2", "t:signalering", "home"]
    assert payloads_of(parts[-1]) == ["p:netwerk", "t:signalering", "home"]


LONG_SENTENCE_END = "zonder afkorting."


def test_a_confident_answer_gives_the_summary_and_the_way_on(assistant: Assistant) -> None:
    reply = one(assistant, TextMessage("netwerk?"))
    assert (reply.kind, reply.page_id) == ("answer", "netwerk")
    answer = "Netwerk opbouwen\n\nSamenvatting van Netwerk opbouwen."
    assert plain(reply) == f"{answer}\n\n{KB.message('feedback-prompt')}"
    assert payloads_of(reply) == [
        "fyd:netwerk", "fnd:netwerk", "p:netwerk", "t:signalering", "p:lang", "p:contact", "home"
    ]  # fmt: skip
    assert labels(reply)[:3] == [
        KB.message("button-helpful"), KB.message("button-not-helpful"), KB.message("button-more")
    ]  # fmt: skip


def test_an_answer_with_alternatives_gives_the_answer_and_the_other_pages(
    assistant: Assistant,
) -> None:
    reply = one(assistant, TextMessage("twijfel?"))
    assert (reply.kind, reply.page_id) == ("alternatives", "netwerk")
    answer = "Netwerk opbouwen\n\nSamenvatting van Netwerk opbouwen."
    feedback = KB.message("feedback-prompt")
    assert plain(reply) == f"{answer}\n\n{KB.message('alternatives')}\n\n{feedback}"
    assert payloads_of(reply) == [
        "fya:netwerk", "fna:netwerk", "p:netwerk", "p:lang", "p:kort", "home"
    ]  # fmt: skip
    assert labels(reply)[2] == KB.message("button-more")


def test_a_fallback_gives_the_helpdesk_and_the_nearest_existing_pages(
    assistant: Assistant,
) -> None:
    reply = one(assistant, TextMessage("elders?"))
    assert reply.kind == "fallback"
    assert payloads_of(reply) == ["p:kort", "p:netwerk", "home"]
    links = [
        span.link for block in reply.blocks if isinstance(block, Paragraph) for span in block.spans
    ]
    assert "mailto:VeiligheidsAlliantie@rotterdam.nl" in links
    assert KB.message("fallback-suggestions") in plain(reply)


def test_a_fallback_without_candidates_suggests_no_pages(assistant: Assistant) -> None:
    reply = one(assistant, TextMessage("niets?"))
    assert (reply.kind, payloads_of(reply)) == ("fallback", ["home"])
    assert KB.message("fallback-suggestions") not in plain(reply)


@pytest.mark.parametrize("question", ["kapot?", "vreemd?"])
def test_a_result_naming_something_unknown_falls_back(assistant: Assistant, question: str) -> None:
    assert one(assistant, TextMessage(question)).kind == "fallback"


def test_smalltalk_gets_the_intents_reply_and_the_home_menu(assistant: Assistant) -> None:
    reply = one(assistant, TextMessage("hoi"))
    assert reply.kind == "smalltalk"
    assert plain(reply) == "Goedendag!"
    assert payloads_of(reply) == HOME_BUTTONS


@pytest.mark.parametrize("event", [Command("help"), ButtonPress("a:help")])
def test_help_explains_and_offers_home_contact_and_about(
    assistant: Assistant, event: object
) -> None:
    reply = one(assistant, event)
    assert reply.kind == "help"
    assert any(isinstance(block, BulletList) for block in reply.blocks)
    assert payloads_of(reply) == ["home", "p:contact", "a:over"]


@pytest.mark.parametrize("event", [Command("over"), ButtonPress("a:over")])
def test_about_names_the_handbook(assistant: Assistant, event: object) -> None:
    reply = one(assistant, event)
    assert KB.home.title in plain(reply)
    assert payloads_of(reply) == ["home", "a:help"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_of_the_vocabulary_has_its_own_answer(
    assistant: Assistant, command: str
) -> None:
    # The platforms' menus offer these (polbot.vocabulary); none may be "unknown".
    reply = one(assistant, Command(command))
    assert not plain(reply).startswith(KB.message("unknown-command"))


def test_an_unknown_command_says_so_and_helps(assistant: Assistant) -> None:
    reply = one(assistant, Command("frobnicate"))
    assert reply.kind == "help"
    assert plain(reply).startswith(KB.message("unknown-command"))


class Seen:
    """An observer that remembers what it was told."""

    def __init__(self) -> None:
        self.searches: list[tuple[str, str]] = []
        self.ratings: list[tuple[str, bool, tuple[str, ...]]] = []

    def searched(self, question: str, result: object) -> None:
        self.searches.append((question, result.kind))  # type: ignore[attr-defined]

    def rated(self, page_id: str, helpful: bool, offered: tuple) -> None:
        self.ratings.append((page_id, helpful, tuple(c.id for c in offered)))


def test_a_thumbs_up_is_thanked_and_reported(assistant: Assistant) -> None:
    seen = Seen()
    (reply,) = assistant.handle(ButtonPress("fyd:netwerk"), seen)
    assert (reply.kind, reply.page_id) == ("feedback", "netwerk")
    assert plain(reply) == KB.message("feedback-thanks")
    assert payloads_of(reply) == ["t:signalering", "home"]
    assert seen.ratings == [("netwerk", True, ())]


def test_a_thumbs_down_offers_the_nearest_other_pages_and_the_helpdesk(
    assistant: Assistant,
) -> None:
    seen = Seen()
    (reply,) = assistant.handle(ButtonPress("fna:netwerk"), seen)
    assert (reply.kind, reply.page_id) == ("feedback", "netwerk")
    assert plain(reply).split() == KB.message("feedback-sorry").split()
    # The engine's nearest pages to the title (an unknown one left out), then related ones.
    assert payloads_of(reply) == ["p:kort", "p:lang", "p:contact", "home"]
    assert "VeiligheidsAlliantie@rotterdam.nl" in plain(reply)
    assert seen.ratings == [("netwerk", False, ("kort", "lang", "contact"))]
    assert seen.searches == [], "looking up the nearest pages is no question of the user"


def test_every_question_is_reported_to_the_observer(assistant: Assistant) -> None:
    seen = Seen()
    for question in ("netwerk?", "elders?", "hoi"):
        assistant.handle(TextMessage(question), seen)
    assistant.handle(ButtonPress("p:netwerk"), seen)
    assert seen.searches == [("netwerk?", "answer"), ("elders?", "fallback"), ("hoi", "smalltalk")]
    assert seen.ratings == []


@pytest.mark.parametrize(
    "payload",
    [
        "",
        "p:does-not-exist",
        "t:does-not-exist",
        "p:kort:2",
        "p:lang:9",
        "x" * 200,
        "home\n",
        "fyd:does-not-exist",
        "f+d:netwerk",
        "fyx:netwerk",
        "fyd:" + "a" * 61,
    ],
)
def test_a_forged_or_outdated_payload_gets_a_polite_home_menu(
    assistant: Assistant, payload: str, caplog: pytest.LogCaptureFixture
) -> None:
    reply = one(assistant, ButtonPress(payload))
    assert (reply.kind, payloads_of(reply)) == ("invalid", HOME_BUTTONS)
    assert plain(reply) == KB.message("invalid-payload")
    (record,) = caplog.records
    assert record.levelname == "WARNING"
    assert "\n" not in record.getMessage()
    assert not payload or payload not in record.getMessage()


@pytest.mark.parametrize("text", ["", "   ", "\n\t ", None])
def test_an_empty_message_gets_help_and_the_menu_without_a_search(
    assistant: Assistant, engine: FakeEngine, text: str
) -> None:
    reply = one(assistant, TextMessage(text))
    assert (reply.kind, payloads_of(reply)) == ("help", HOME_BUTTONS)
    assert plain(reply) == plain(Reply(_blocks("empty-question")))
    assert engine.asked == []


def test_a_huge_message_is_not_searched_and_not_echoed(
    assistant: Assistant, engine: FakeEngine
) -> None:
    reply = one(assistant, TextMessage("polarisatie " * 10_000))
    assert (reply.kind, payloads_of(reply)) == ("help", HOME_BUTTONS)
    assert str(MAX_QUESTION_CHARS) in plain(reply)
    assert "polarisatie polarisatie" not in plain(reply)
    assert engine.asked == []


def test_the_question_is_searched_without_surrounding_space(
    assistant: Assistant, engine: FakeEngine
) -> None:
    one(assistant, TextMessage("  netwerk?\n"))
    assert engine.asked == ["netwerk?"]


def test_replies_never_echo_what_the_user_typed(assistant: Assistant) -> None:
    _, replies = converse(assistant, ["<b>ongelezen</b> vraag?", "/<script>"])
    text = "\n".join(map(plain, replies)) + repr([reply.buttons for reply in replies])
    assert "ongelezen" not in text
    assert "script" not in text


@given(st.text(max_size=200))
def test_any_payload_gets_a_reply_with_buttons(payload: str) -> None:
    (reply,) = Assistant(KB, FakeEngine(RESULTS)).handle(ButtonPress(payload))
    assert reply.buttons


@given(st.text(max_size=200))
def test_any_text_or_command_gets_a_reply(text: str) -> None:
    assistant = Assistant(KB, FakeEngine(RESULTS))
    for event in (TextMessage(text), Command(text)):
        (reply,) = assistant.handle(event)
        assert reply.blocks and reply.buttons


def test_every_payload_of_every_reply_fits_in_64_bytes(assistant: Assistant) -> None:
    events = [Command("start"), ButtonPress("t:signalering"), TextMessage("twijfel?")]
    events += [ButtonPress(f"p:{page.id}") for page in KB.pages]
    for event in events:
        for button in one(assistant, event).buttons:
            assert len(button.payload.encode()) <= 64
            assert re.fullmatch(r"[a-z]+(:[a-z0-9-]+)*", button.payload)


def test_an_object_that_is_no_event_is_a_programming_error(assistant: Assistant) -> None:
    with pytest.raises(TypeError, match="not a dialogue event"):
        assistant.handle("start")  # type: ignore[arg-type]


def _blocks(key: str) -> tuple:  # type: ignore[type-arg]
    from polbot.dialogue.markup import parse

    return parse(KB.message(key))


class _PassageEngine(FakeEngine):
    def __init__(self, passages: tuple[Passage, ...]) -> None:
        super().__init__(RESULTS)
        self._passages = passages

    def passages(self, page_id: str, text: str) -> tuple[Passage, ...]:
        return self._passages


@pytest.mark.parametrize(
    ("passages", "shown"),
    [
        # the best passage that the summary does not already say
        (
            (Passage("paragraph", 0, 5, 1.0), Passage("paragraph", 0, 1, 0.5)),
            "Uit de handreiking:\n\nSlotalinea.",
        ),
        ((Passage("item", 0, 1, 1.0),), "Uit de handreiking:\n\nMogelijke partners\n\n- Scholen"),
        ((Passage("row", 0, 0, 1.0),), "Uit de handreiking:\n\nExtern | Intern\nWijkwerkers | -"),
    ],
)
def test_an_answer_shows_the_passage_that_best_matches_the_question(passages, shown) -> None:
    reply = one(Assistant(KB, _PassageEngine(passages)), TextMessage("netwerk?"))
    assert reply.kind == "answer"
    assert plain(reply).startswith("Netwerk opbouwen\n\nSamenvatting van Netwerk opbouwen.")
    # The passage closes the answer's text; the question of feedback follows it.
    assert plain(reply).endswith(f"{shown}\n\n{KB.message('feedback-prompt')}")
    assert labels(reply)[2] == "Lees verder"  # after 👍 and 👎


def test_no_passage_when_none_matches_or_it_is_not_on_the_page() -> None:
    for passages in ((), (Passage("paragraph", 0, 9, 1.0),)):
        reply = one(Assistant(KB, _PassageEngine(passages)), TextMessage("netwerk?"))
        assert "Uit de handreiking" not in plain(reply)
