"""The Teams endpoint's wiring, over real HTTP on 127.0.0.1: activities in, events to the
dialogue, replies posted by the SDK to a fake Bot Connector.

The dialogue is a recording double here, so these tests pin the translation in both
directions; ``test_teams_conversation.py`` runs the same path with the real assistant."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from polbot.channels.teams.endpoint import mount
from polbot.channels.teams.settings import TeamsSettings
from polbot.dialogue.events import ButtonPress, Command, Event, TextMessage
from polbot.dialogue.replies import Button, Paragraph, Reply, Span
from teams_support import (
    BOT_ID,
    activity,
    card_actions,
    card_press,
    cards_buttons,
    channel_mention,
    members_added,
    observed,
    payload_of,
)


@dataclass
class RecordingHandler:
    """Answers every event with one reply carrying ``buttons`` buttons."""

    buttons: int = 2
    events: list[Event] = field(default_factory=list)

    def handle(self, event: Event, observer: object = None) -> tuple[Reply, ...]:
        self.events.append(event)
        return (
            Reply(
                (Paragraph((Span("Antwoord", bold=True),)),),
                tuple(Button(f"Knop {n}", f"p:{n}") for n in range(self.buttons)),
            ),
        )


@pytest.fixture
def handler() -> RecordingHandler:
    return RecordingHandler()


@pytest.fixture
async def client(monkeypatch, handler) -> AsyncIterator[TestClient]:
    monkeypatch.setenv("POLBOT_TEAMS_ANONYMOUS", "1")
    app = web.Application()
    mount(app, observed(handler), TeamsSettings(**{"path": "/api/messages"}))
    async with TestClient(TestServer(app, host="127.0.0.1")) as test_client:
        yield test_client


async def test_a_text_message_is_answered_in_reply_to_it(client, connector, handler) -> None:
    fake, url = connector
    response = await client.post("/api/messages", json=activity(url, text="Wat is polarisatie?"))
    assert response.status in (200, 202)
    assert handler.events == [TextMessage("Wat is polarisatie?")]
    [post] = fake.posted
    assert post.path == "/v3/conversations/a:conversation-personal-1/activities/1700000000001"
    assert post.body["text"] == "**Antwoord**"
    assert post.body["textFormat"] == "markdown"
    assert post.body["replyToId"] == "1700000000001"
    assert post.authorization is None  # anonymous mode sends no token


async def test_a_channel_message_is_read_without_the_mention(client, connector, handler) -> None:
    fake, url = connector
    await client.post("/api/messages", json=channel_mention(url, "wie moet ik trainen?"))
    assert handler.events == [TextMessage("wie moet ik trainen?")]
    assert fake.posted[0].path.startswith("/v3/conversations/19:channel-1@thread.tacv2")


@pytest.mark.parametrize(
    ("text", "command"),
    [("menu", "menu"), ("/menu", "menu"), ("Help", "help"), ("contact", "contact")],
)
async def test_the_command_menu_texts_are_commands(client, connector, handler, text, command):
    _, url = connector
    await client.post("/api/messages", json=activity(url, text=text))
    assert handler.events == [Command(command)]


@pytest.mark.parametrize(
    "value",
    [{"payload": "p:capaciteit"}, {"payload": "p:capaciteit", "msteams": {"type": "x"}}],
)
async def test_a_card_button_is_a_button_press(client, connector, handler, value) -> None:
    _, url = connector
    await client.post("/api/messages", json=card_press(url, value))
    assert handler.events == [ButtonPress("p:capaciteit")]


async def test_a_message_back_button_is_a_button_press(client, connector, handler) -> None:
    _, url = connector
    body = activity(url, text="Capaciteit", value={"payload": "p:capaciteit"})
    await client.post("/api/messages", json=body)
    assert handler.events == [ButtonPress("p:capaciteit")]


@pytest.mark.parametrize(
    ("members", "conversation_type", "welcomed"),
    [
        (["29:user-aaaa"], "personal", False),
        ([BOT_ID], "personal", True),
        (["29:user-aaaa", BOT_ID], "personal", True),
        ([BOT_ID], "channel", True),
        ([BOT_ID], "groupChat", True),
        (["29:user-bbbb"], "channel", False),
        (["29:user-bbbb"], "groupChat", False),
    ],
)
async def test_a_welcome_once_per_install_when_the_bot_joins(
    client, connector, handler, members, conversation_type, welcomed
) -> None:
    fake, url = connector
    body = members_added(url, *members, conversation_type=conversation_type)
    response = await client.post("/api/messages", json=body)
    assert response.status in (200, 202)
    assert handler.events == ([Command("start")] if welcomed else [])
    assert len(fake.messages()) == (1 if welcomed else 0)


@pytest.mark.parametrize("buttons", [1, 6, 7, 13, 20])
async def test_no_card_carries_more_than_six_buttons(client, connector, handler, buttons) -> None:
    fake, url = connector
    handler.buttons = buttons
    await client.post("/api/messages", json=activity(url, text="menu"))
    [message] = fake.messages()
    cards = [card["content"] for card in message["attachments"]]
    sizes = cards_buttons(message)
    assert sum(sizes) == buttons
    assert max(sizes) <= 6
    assert max(sizes) - min(sizes) <= 1  # filled evenly, no card with one lonely button
    actions = card_actions(message)
    assert [payload_of(action) for action in actions] == [f"p:{n}" for n in range(buttons)]
    assert {action["type"] for action in actions} == {"Action.Submit"}
    assert {card["version"] for card in cards} == {"1.5"}


@pytest.mark.parametrize("kind", ["typing", "messageReaction", "installationUpdate", "event"])
async def test_other_activities_are_acknowledged_without_a_reply(
    client, connector, handler, kind
) -> None:
    fake, url = connector
    response = await client.post("/api/messages", json=activity(url, type=kind))
    assert response.status in (200, 202)
    assert handler.events == []
    assert fake.posted == []
