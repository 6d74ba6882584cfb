"""The Telegram bot end to end: the real PTB client polling a fake Bot API on loopback, with
the real assistant, engine and knowledge base behind it."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from dialogue_support import (
    ALTERNATIVES_LEAD,
    COORDINATING_ROLE,
    HANDBOOK_MARK,
    PORTFOLIO_QUESTION,
    STRAIGHT_AWAY,
    TABLE_LINES,
    TABLE_PAGE,
)
from polbot.dialogue import Assistant, Event, Paragraph, Reply, Span, TextMessage
from polbot.knowledge import load_knowledge
from polbot.knowledge.model import KnowledgeBase
from polbot.paths import default_knowledge_dir
from polbot.runtime.assembly import Assembly
from polbot.runtime.observe import ObservedHandler
from telegram_fake import BOT_USERNAME, FakeBotApi, polling_bot, visible_text

HELPDESK = "VeiligheidsAlliantie@rotterdam.nl"
CHAT = 4242


@pytest.fixture
async def bot(api: FakeBotApi, telegram_handler: ObservedHandler) -> AsyncIterator[FakeBotApi]:
    """The fake API with the real bot polling it."""
    async with polling_bot(api, telegram_handler):
        yield api


def variant(tmp_path: Path, edit: Callable[[dict[str, Any]], None]) -> KnowledgeBase:
    """The real knowledge base with ``edit`` applied to its parsed files (by file name)."""
    folder = tmp_path / "knowledge"
    shutil.copytree(default_knowledge_dir(), folder, ignore=shutil.ignore_patterns("source"))
    files = {path.name: yaml.safe_load(path.read_text("utf-8")) for path in folder.glob("*.yaml")}
    edit(files)
    for name, data in files.items():
        (folder / name).write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return load_knowledge(folder)


def variant_handler(kb: KnowledgeBase) -> ObservedHandler:
    return Assembly(kb).handler("telegram")


def payloads(call_params: dict[str, Any]) -> list[str]:
    rows = (call_params.get("reply_markup") or {}).get("inline_keyboard", [])
    return [key["callback_data"] for row in rows for key in row]


def home_payloads(kb: KnowledgeBase) -> list[str]:
    return [f"t:{e.theme}" if e.theme else f"p:{e.page}" for e in kb.home.menu]


async def test_start_registers_the_commands_in_dutch_and_shows_the_home_keyboard(
    bot: FakeBotApi, kb: KnowledgeBase
) -> None:
    bot.push(bot.message(CHAT, "/start"))

    [sent] = await bot.wait_for("sendMessage")

    assert payloads(sent.params) == home_payloads(kb)
    assert sent.params["parse_mode"] == "HTML"
    assert kb.home.welcome.split()[0] in visible_text(sent.params["text"])
    [commands] = bot.of("setMyCommands")
    assert [c["command"] for c in commands.params["commands"]] == [
        "start",
        "menu",
        "help",
        "contact",
        "over",
    ]
    assert commands.params["commands"][0]["description"] == kb.message("telegram-command-start")


async def test_pressing_a_theme_answers_the_query_then_edits_the_message_in_place(
    bot: FakeBotApi, kb: KnowledgeBase
) -> None:
    bot.push(bot.message(CHAT, "/menu"))
    [menu] = await bot.wait_for("sendMessage")
    pressed = bot.press(CHAT, "t:signalering")

    bot.push(pressed)
    [edit] = await bot.wait_for("editMessageText")

    answer = bot.of("answerCallbackQuery")[0]
    assert answer.params["callback_query_id"] == pressed["callback_query"]["id"]
    assert bot.calls.index(answer) < bot.calls.index(edit)
    assert edit.params["message_id"] == pressed["callback_query"]["message"]["message_id"]
    theme = kb.theme("signalering")
    assert theme is not None
    assert payloads(edit.params) == [f"p:{page}" for page in theme.pages] + ["home"]
    assert theme.label in visible_text(edit.params["text"])
    assert len(bot.of("sendMessage")) == 1, "the theme replaces the menu, no new message"
    assert menu.status == 200


async def test_pressing_the_same_button_twice_is_not_an_error(bot: FakeBotApi) -> None:
    bot.push(bot.message(CHAT, "/menu"))
    await bot.wait_for("sendMessage")
    bot.push(bot.press(CHAT, "t:signalering"))
    await bot.wait_for("editMessageText")

    bot.push(bot.press(CHAT, "t:signalering"))
    await bot.wait_for("answerCallbackQuery", count=2)
    await bot.wait_for("editMessageText", count=1)

    [refused] = await _eventually(lambda: bot.of("editMessageText", status=400))
    assert "message is not modified" in refused.description
    assert len(bot.of("sendMessage")) == 1, "not modified counts as done: nothing resent"


def _answered_example(kb: KnowledgeBase, assistant: Assistant) -> tuple[str, str]:
    """An example question of the knowledge base that the core answers with its page."""
    for page in kb.pages:
        for question in page.questions:
            (reply,) = assistant.handle(TextMessage(question))
            if reply.kind == "answer" and reply.page_id == page.id:
                return question, page.id
    raise AssertionError("the engine answers none of the example questions with their page")


async def test_a_question_gets_the_page_that_answers_it(
    bot: FakeBotApi, kb: KnowledgeBase, assistant: Assistant
) -> None:
    question, page_id = _answered_example(kb, assistant)

    bot.push(bot.message(CHAT, question))
    [sent] = await bot.wait_for("sendMessage")

    page = kb.page(page_id)
    assert page is not None
    assert page.title in visible_text(sent.params["text"])
    assert f"p:{page_id}" in payloads(sent.params)


@pytest.mark.parametrize(
    "question",
    ["Hoe laat vertrekt de trein naar Utrecht?", "Wat is het recept voor appeltaart?"],
)
async def test_a_question_outside_the_handbook_gets_the_helpdesk_address(
    bot: FakeBotApi, question: str
) -> None:
    bot.push(bot.message(CHAT, question))
    [sent] = await bot.wait_for("sendMessage")
    assert HELPDESK in visible_text(sent.params["text"])
    assert "home" in payloads(sent.params)


@pytest.mark.parametrize(
    "media",
    [
        {"photo": [{"file_id": "f", "file_unique_id": "u", "width": 9, "height": 9}]},
        {"voice": {"file_id": "f", "file_unique_id": "u", "duration": 2}},
        {
            "sticker": {
                "file_id": "f",
                "file_unique_id": "u",
                "type": "regular",
                "width": 9,
                "height": 9,
                "is_animated": False,
                "is_video": False,
            }
        },
        {"document": {"file_id": "f", "file_unique_id": "u"}},
        {"location": {"latitude": 51.92, "longitude": 4.48}},
    ],
    ids=["photo", "voice", "sticker", "document", "location"],
)
async def test_anything_but_text_gets_the_text_only_reply(
    bot: FakeBotApi, kb: KnowledgeBase, media: dict[str, Any]
) -> None:
    update = bot.message(CHAT, "")
    del update["message"]["text"]
    update["message"].update(media)

    bot.push(update)
    [sent] = await bot.wait_for("sendMessage")

    assert visible_text(sent.params["text"]) == kb.message("telegram-text-only")
    assert payloads(sent.params) == ["home"]


@pytest.mark.parametrize(
    "forged", ["p:bestaat-niet", "t:../../etc", "x" * 64, "🙂", "p:capaciteit:99"]
)
async def test_a_forged_button_gets_the_home_menu(
    bot: FakeBotApi, kb: KnowledgeBase, forged: str
) -> None:
    bot.push(bot.message(CHAT, "/help"))
    await bot.wait_for("sendMessage")

    bot.push(bot.press(CHAT, forged))
    [edit] = await bot.wait_for("editMessageText")

    assert payloads(edit.params) == home_payloads(kb)


async def test_429_then_500_do_not_stop_the_bot_and_the_next_update_is_answered(
    bot: FakeBotApi, recwarn: pytest.WarningsRecorder
) -> None:
    bot.fail_next("sendMessage", 429, retry_after=1)
    bot.fail_next("sendMessage", 500)

    bot.push(bot.message(CHAT, "/help"))
    first = await bot.wait_for("sendMessage")
    bot.push(bot.message(CHAT + 1, "/contact"))
    await bot.wait_for("sendMessage", count=2)

    failed = [call.status for call in bot.calls if call.method == "sendMessage"]
    assert failed[:2] == [429, 500]
    assert failed[2:] == [200, 200], "the /help answer was retried, then /contact answered"
    retry = bot.calls.index(first[0]) - bot.calls.index(bot.of("sendMessage", status=429)[0])
    assert retry >= 2
    assert bot.of("sendMessage", status=429)[0].at + 1 <= first[0].at, "retry_after honoured"
    assert [str(w.message) for w in recwarn if issubclass(w.category, DeprecationWarning)] == []


async def test_a_429_delays_only_the_chat_it_concerns(bot: FakeBotApi) -> None:
    """Issue 12, row 14: PTB's rate limiter halts every chat on a 429, so one busy chat
    stalled all users for its ``retry_after``. Telegram's 429s are per chat (one message a
    second in a chat, 20 a minute in a group); the overall limit is kept by the limiter."""
    retry_after = 2
    bot.fail_next("sendMessage", 429, retry_after=retry_after)
    bot.push(bot.message(CHAT, "/help"))
    [limited] = await _eventually(lambda: bot.of("sendMessage", status=429))
    await asyncio.sleep(0.1)  # the bot has read the 429 and waits

    others = range(CHAT + 1, CHAT + 20)
    for chat in others:
        bot.push(bot.message(chat, "/help"))
    sent = await bot.wait_for("sendMessage", count=len(others) + 1, timeout=20)

    [retried] = [call for call in sent if call.params["chat_id"] == CHAT]
    answered = [call for call in sent if call.params["chat_id"] != CHAT]
    assert sorted(call.params["chat_id"] for call in answered) == list(others)
    assert max(call.at for call in answered) < limited.at + retry_after / 2, "nobody else waits"
    assert retried.at >= limited.at + retry_after, "the limited chat waits as Telegram asks"


async def test_one_chat_gets_its_answers_in_order_while_other_chats_go_on(
    bot: FakeBotApi,
) -> None:
    bot.fail_next("sendMessage", 500)  # the first answer needs a retry half a second later

    bot.push(bot.message(CHAT, "/help"))
    bot.push(bot.message(CHAT, "/over"))
    bot.push(bot.message(CHAT + 1, "/contact"))
    sent = await bot.wait_for("sendMessage", count=3)

    ours = [call for call in sent if call.params["chat_id"] == CHAT]
    assert "a:over" in payloads(ours[0].params), "the /help answer first"
    assert "a:help" in payloads(ours[1].params), "then the /over answer"
    assert sent[0].params["chat_id"] == CHAT + 1, "another chat does not wait for the retry"


class Echoing:
    """The real handler, except that a text message is answered with the text itself, in
    plain and in bold: the assistant never repeats what a user typed, but the bot must not
    rely on that (a future reply may quote the question)."""

    def __init__(self, handler: ObservedHandler) -> None:
        self._handler = handler
        self.message, self.reject = handler.message, handler.reject

    def handle(self, event: Event, observer: object = None) -> tuple[Reply, ...]:
        if isinstance(event, TextMessage):
            return (Reply((Paragraph((Span(event.text), Span(event.text, bold=True))),)),)
        return self._handler.handle(event)


@pytest.mark.parametrize(
    "text", ["<script>alert('x')</script>", "<b>vet</b> & <a href='x'>", "a < b > c &amp;"]
)
async def test_html_in_what_users_type_is_never_sent_as_markup(
    api: FakeBotApi, telegram_handler: ObservedHandler, text: str
) -> None:
    async with polling_bot(api, Echoing(telegram_handler)):
        api.push(api.message(CHAT, text))
        [sent] = await api.wait_for("sendMessage")
    assert sent.status == 200, "the fake rejects HTML that does not parse"
    assert visible_text(sent.params["text"]) == text + text, "shown as typed, twice"


async def test_html_in_the_knowledge_base_is_shown_as_text(api: FakeBotApi, tmp_path: Path) -> None:
    welcome = "Welkom <script>alert('x')</script> & <b>niet vet</b>"

    def edit(files: dict[str, Any]) -> None:
        files["home.yaml"]["home"]["welcome"] = welcome

    handler = variant_handler(variant(tmp_path, edit))
    async with polling_bot(api, handler):
        api.push(api.message(CHAT, "/start"))
        [sent] = await api.wait_for("sendMessage")

    assert visible_text(sent.params["text"]) == welcome
    assert "<script>" not in sent.params["text"]


LONG_INTRO = "\n\n".join(f"Alinea {n}:" + " polarisatie" * 45 for n in range(10))


@pytest.fixture
def long_kb(tmp_path: Path) -> KnowledgeBase:
    """The knowledge base with a welcome and a theme intro of more than 5,000 characters."""

    def edit(files: dict[str, Any]) -> None:
        files["home.yaml"]["home"]["welcome"] = LONG_INTRO
        files["signalering.yaml"]["theme"]["intro"] = LONG_INTRO

    kb = variant(tmp_path, edit)
    assert len(LONG_INTRO) > 5000
    return kb


async def test_a_5000_character_reply_arrives_as_two_messages_keyboard_under_the_last(
    api: FakeBotApi, long_kb: KnowledgeBase
) -> None:
    async with polling_bot(api, variant_handler(long_kb)):
        api.push(api.message(CHAT, "/start"))
        first, second = await api.wait_for("sendMessage", count=2)

    assert "reply_markup" not in first.params
    assert payloads(second.params) == home_payloads(long_kb)
    shown = visible_text(first.params["text"]) + "\n\n" + visible_text(second.params["text"])
    assert shown == LONG_INTRO


async def test_a_button_whose_reply_is_two_messages_edits_the_first_and_sends_the_second(
    api: FakeBotApi, long_kb: KnowledgeBase
) -> None:
    async with polling_bot(api, variant_handler(long_kb)):
        api.push(api.message(CHAT, "/help"))
        await api.wait_for("sendMessage")
        api.push(api.press(CHAT, "t:signalering"))
        [edit] = await api.wait_for("editMessageText")
        sends = await api.wait_for("sendMessage", count=2)

    assert "Alinea 0" in visible_text(edit.params["text"])
    assert "reply_markup" not in edit.params
    assert "Alinea 9" in visible_text(sends[1].params["text"])
    assert "home" in payloads(sends[1].params)


GROUP = -100777
SETTLE = 0.3
"""Seconds to wait before asserting that nothing more was sent."""


def group_message(api: FakeBotApi, text: str, **fields: Any) -> dict[str, Any]:
    return api.message(GROUP, text, chat_type="supergroup", user_id=31337, **fields)


async def test_in_a_group_only_messages_that_mention_the_bot_are_answered(
    bot: FakeBotApi,
) -> None:
    ignored = bot.push(group_message(bot, "Wie moet ik trainen?"))
    mention = f"@{BOT_USERNAME}"
    asked = bot.push(
        group_message(
            bot,
            f"{mention} Hoe laat vertrekt de trein naar Utrecht?",
            entities=[{"type": "mention", "offset": 0, "length": len(mention)}],
        )
    )

    [sent] = await bot.wait_for("sendMessage")
    await asyncio.sleep(SETTLE)

    assert [call.params["reply_parameters"]["message_id"] for call in bot.of("sendMessage")] == [
        asked["message"]["message_id"]
    ], f"message {ignored['message']['message_id']} does not mention the bot"
    assert sent.params["chat_id"] == GROUP
    assert HELPDESK in visible_text(sent.params["text"]), "the mention itself is no question"


@pytest.mark.parametrize(
    ("command", "answered"),
    [("/help", True), (f"/help@{BOT_USERNAME}", True), ("/help@een_andere_bot", False)],
)
async def test_in_a_group_commands_for_this_bot_are_answered(
    bot: FakeBotApi, command: str, answered: bool
) -> None:
    bot.push(group_message(bot, command))
    bot.push(group_message(bot, f"/over@{BOT_USERNAME}"))  # always answered: a marker

    await bot.wait_for("sendMessage", count=1 + answered)
    await asyncio.sleep(SETTLE)
    assert len(bot.of("sendMessage")) == 1 + answered


async def _eventually(check: Callable[[], Any], timeout: float = 3.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)
    return result


@pytest.mark.parametrize(("question", "page_id", "title"), STRAIGHT_AWAY)
async def test_the_issue_questions_get_their_page_straight_away(
    bot: FakeBotApi, question: str, page_id: str, title: str
) -> None:
    bot.push(bot.message(CHAT, question))
    [sent] = await bot.wait_for("sendMessage")
    text = visible_text(sent.params["text"])
    assert text.startswith(title)
    assert ALTERNATIVES_LEAD not in text
    # 👍 and 👎 under their question, then "Lees verder".
    assert payloads(sent.params)[:3] == [f"fyd:{page_id}", f"fnd:{page_id}", f"p:{page_id}"]


async def test_the_portfolio_question_shows_the_passage_that_answers_it(bot: FakeBotApi) -> None:
    bot.push(bot.message(CHAT, PORTFOLIO_QUESTION))
    [sent] = await bot.wait_for("sendMessage")
    text = visible_text(sent.params["text"])
    assert HANDBOOK_MARK in text
    assert COORDINATING_ROLE in text
    assert payloads(sent.params)[2] == "p:borging-portefeuille"  # after 👍/👎: Lees verder


async def test_a_table_is_shown_one_line_per_row_cells_in_order(bot: FakeBotApi) -> None:
    bot.push(bot.message(CHAT, "/menu"))
    await bot.wait_for("sendMessage")
    bot.push(bot.press(CHAT, f"p:{TABLE_PAGE}"))
    [edit] = await bot.wait_for("editMessageText")
    assert "\n".join(TABLE_LINES) in visible_text(edit.params["text"])
