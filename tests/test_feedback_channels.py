"""👍/👎 under an answer in every channel, end to end: the buttons are there, a 👍 is thanked,
a 👎 brings the nearest other pages and the helpdesk, and each press is counted per page and
reported to the review store (web via real HTTP, Telegram via the fake Bot API, Teams via the
fake Bot Connector, the terminal as a real process)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pexpect
import pytest
from aiohttp.test_utils import TestClient, TestServer

from dialogue_support import STRAIGHT_AWAY
from polbot.dialogue import Assistant
from polbot.knowledge.model import KnowledgeBase
from polbot.runtime.assembly import Assembly
from polbot.server.app import serve_parts
from server_support import settings
from teams_support import (
    FakeConnector,
    activity,
    card_actions,
    payload_of,
    press,
    teams_settings,
)
from telegram_fake import FakeBotApi, polling_bot, visible_text
from test_console_chat import finish, spawn

HELPDESK = "VeiligheidsAlliantie@rotterdam.nl"
QUESTION, PAGE, TITLE = STRAIGHT_AWAY[0]  # "Wat is polarisatie?", answered straight away
UP, DOWN = f"fyd:{PAGE}", f"fnd:{PAGE}"


class Recording:
    """A review recorder that remembers what it was given (the real one is tested apart)."""

    def __init__(self) -> None:
        self.questions: list[tuple[str, str, str]] = []
        self.feedback: list[tuple[str, bool, str, tuple[str, ...]]] = []
        self.closed = False

    def record_question(self, text: str, result: Any, channel: str) -> None:
        self.questions.append((text, result.kind, channel))

    def record_feedback(self, page_id: str, helpful: bool, channel: str, offered=()) -> None:
        self.feedback.append((page_id, helpful, channel, tuple(c.id for c in offered)))

    def close(self, timeout: float = 10.0) -> None:
        self.closed = True


def page_payloads(payloads: list[str]) -> list[str]:
    return [p for p in payloads if p.startswith("p:")]


async def metric(http: aiohttp.ClientSession, name: str, **labels: str) -> float:
    async with http.get("/metrics") as response:
        text = await response.text()
    selector = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    match = re.search(rf"^{name}{{{selector}}} (\S+)$", text, flags=re.MULTILINE)
    return float(match[1]) if match else 0.0


# --- the web chat, over real HTTP -----------------------------------------------------------


@pytest.fixture
async def web(
    kb: KnowledgeBase, assistant: Assistant
) -> AsyncIterator[tuple[aiohttp.ClientSession, Recording]]:
    recorder = Recording()
    app = serve_parts(settings(), Assembly(kb, assistant=assistant, recorder=recorder))
    async with (
        TestServer(app, host="127.0.0.1") as server,
        aiohttp.ClientSession(base_url=server.make_url("/"), trust_env=False) as http,
    ):
        yield http, recorder
    assert recorder.closed, "the server closes the review store when it stops"


async def chat(http: aiohttp.ClientSession, body: dict) -> dict:
    async with http.post("/api/chat", json=body) as response:
        assert response.status == 200
        (reply,) = (await response.json())["replies"]
        return reply


async def test_web_thumbs_up_and_down_under_an_answer(
    web: tuple[aiohttp.ClientSession, Recording], kb: KnowledgeBase
) -> None:
    http, recorder = web
    answer = await chat(http, {"text": QUESTION})
    assert answer["kind"] == "answer"
    assert kb.message("feedback-prompt") in answer["text"]
    buttons = {b["payload"]: b["label"] for b in answer["buttons"]}
    assert buttons[UP] == kb.message("button-helpful")
    assert buttons[DOWN] == kb.message("button-not-helpful")

    thanks = await chat(http, {"payload": UP})
    assert (thanks["kind"], thanks["text"]) == ("feedback", kb.message("feedback-thanks"))

    sorry = await chat(http, {"payload": DOWN})
    assert sorry["kind"] == "feedback"
    assert HELPDESK in sorry["text"]
    offered = page_payloads([b["payload"] for b in sorry["buttons"]])
    assert offered and f"p:{PAGE}" not in offered
    assert sorry["buttons"][-1]["payload"] == "home"

    # A forged one (a page that does not exist, a rating that is no rating) changes nothing.
    for forged in ("fnd:bestaat-niet", "fxd:definitie"):
        assert (await chat(http, {"payload": forged}))["kind"] == "invalid"

    for rating in ("helpful", "not-helpful"):
        labels = {"channel": "web", "page": PAGE, "rating": rating}
        assert await metric(http, "polbot_feedback_total", **labels) == 1
    assert await metric(http, "polbot_feedback_total", channel="web", page="bestaat-niet",
                        rating="not-helpful") == 0  # fmt: skip
    assert recorder.questions == [(QUESTION, "answer", "web")]
    assert recorder.feedback == [
        (PAGE, True, "web", ()),
        (PAGE, False, "web", tuple(p.removeprefix("p:") for p in offered)),
    ]


# --- Telegram, against the fake Bot API -----------------------------------------------------


def keyboard_payloads(params: dict[str, Any]) -> list[str]:
    rows = (params.get("reply_markup") or {}).get("inline_keyboard", [])
    return [key["callback_data"] for row in rows for key in row]


async def test_telegram_thumbs_down_gives_alternatives_and_the_helpdesk(
    api: FakeBotApi, kb: KnowledgeBase, assistant: Assistant
) -> None:
    chat_id = 4343
    async with polling_bot(api, Assembly(kb, assistant=assistant).handler("telegram")):
        api.push(api.message(chat_id, QUESTION))
        [sent] = await api.wait_for("sendMessage")
        assert kb.message("feedback-prompt") in visible_text(sent.params["text"])
        rows = sent.params["reply_markup"]["inline_keyboard"]
        assert [UP, DOWN] in [[key["callback_data"] for key in row] for row in rows], (
            "the two short buttons share a row"
        )

        api.push(api.press(chat_id, DOWN))
        # A rating is answered below the answer: the answer it rates stays as it was.
        _, suggestions = await api.wait_for("sendMessage", count=2)
        text = visible_text(suggestions.params["text"])
        assert HELPDESK in text
        offered = page_payloads(keyboard_payloads(suggestions.params))
        assert offered and f"p:{PAGE}" not in offered

        api.push(api.press(chat_id, UP))
        await api.wait_for("sendMessage", count=3)
        thanks = api.of("sendMessage")[-1]
        assert visible_text(thanks.params["text"]) == kb.message("feedback-thanks")
        assert api.of("editMessageText", status=None) == []


# --- Teams, against the fake Bot Connector --------------------------------------------------


@pytest.fixture
async def teams_client(kb: KnowledgeBase, assistant: Assistant) -> AsyncIterator[TestClient]:
    app = serve_parts(teams_settings(), Assembly(kb, assistant=assistant))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client


async def say(teams: TestClient, fake: FakeConnector, body: dict) -> list[dict]:
    before = len(fake.messages())
    response = await teams.post("/api/messages", json=body)
    assert response.status in (200, 202)
    return fake.messages()[before:]


async def test_teams_thumbs_down_gives_alternatives_and_the_helpdesk(
    teams_client: TestClient, connector: tuple[FakeConnector, str], kb: KnowledgeBase
) -> None:
    fake, url = connector
    messages = await say(teams_client, fake, activity(url, text=QUESTION))
    assert kb.message("feedback-prompt") in "\n".join(m["text"] for m in messages)
    actions = [a for m in messages for a in card_actions(m)]
    down = next(a for a in actions if payload_of(a) == DOWN)
    assert down["data"]["msteams"]["displayText"] == kb.message("button-not-helpful")
    assert any(payload_of(a) == UP for a in actions)

    replies = await say(teams_client, fake, press(url, down))
    assert f"mailto:{HELPDESK}" in "\n".join(m["text"] for m in replies)
    offered = page_payloads([payload_of(a) for m in replies for a in card_actions(m)])
    assert offered and f"p:{PAGE}" not in offered

    up = next(a for a in actions if payload_of(a) == UP)
    (thanks,) = await say(teams_client, fake, press(url, up))
    assert kb.message("feedback-thanks") in thanks["text"]


# --- the terminal, as a real process --------------------------------------------------------


@pytest.mark.slow
def test_terminal_plus_and_minus_rate_the_answer(kb: KnowledgeBase) -> None:
    child = spawn()
    child.sendline(QUESTION)
    child.expect_exact(kb.message("feedback-prompt"))
    child.expect_exact(f"] {kb.message('button-not-helpful')}")
    child.expect_exact("> ")
    child.sendline("+")
    child.expect_exact(kb.message("feedback-thanks"))
    child.expect_exact("> ")
    child.sendline(QUESTION)
    child.expect_exact(kb.message("feedback-prompt"))
    child.expect_exact("> ")
    child.sendline("-")
    child.expect_exact("Jammer")
    child.expect_exact(HELPDESK)
    child.expect_exact("[1] ")
    child.expect_exact("> ")
    # Under a reply without 👍/👎, "+" is a question like any other text.
    child.sendline("+")
    child.expect_exact("> ")
    child.sendline("/stop")
    output = finish(child)
    assert "Tot ziens!" in output
    assert not isinstance(child, pexpect.spawn) or child.exitstatus == 0
