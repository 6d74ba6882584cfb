"""A conversation in Teams, end to end: the real server (``build_app`` with Teams on), the real
assistant, engine and knowledge base; Teams-shaped activities over HTTP on 127.0.0.1, replies
read from a fake Bot Connector."""

from __future__ import annotations

import json

import pytest
from aiohttp.test_utils import TestClient

from dialogue_support import (
    ALTERNATIVES_LEAD,
    COORDINATING_ROLE,
    HANDBOOK_MARK,
    PORTFOLIO_QUESTION,
    STRAIGHT_AWAY,
    TABLE_LINES,
    TABLE_PAGE,
)
from polbot.channels.teams.cards import MAX_BUTTONS_PER_CARD, render_all
from polbot.channels.teams.inbound import MAX_BODY_BYTES
from polbot.dialogue import TextMessage
from teams_support import (
    BOT_ID,
    FakeConnector,
    activity,
    card_actions,
    cards_buttons,
    channel_mention,
    members_added,
    payload_of,
    press,
    teams_settings,
)

HELPDESK = "VeiligheidsAlliantie@rotterdam.nl"


async def _say(teams: TestClient, fake: FakeConnector, body: dict) -> list[dict]:
    """POST one activity; the messages the bot posted in answer to it."""
    before = len(fake.messages())
    response = await teams.post("/api/messages", json=body)
    assert response.status in (200, 202)
    messages = fake.messages()[before:]
    for message in messages:
        assert all(size <= MAX_BUTTONS_PER_CARD for size in cards_buttons(message))
        assert len(str(message).encode()) < 40_000  # well under Teams' ~80 KB
    return messages


async def test_an_activity_larger_than_the_web_chat_accepts_is_answered(
    teams: TestClient, connector
) -> None:
    # The Bot Service posts activities of up to about 256 KB (cards, entities, channel data);
    # the server's max_body_bytes (64 KB by default) is the limit of the web chat's API.
    fake, url = connector
    padding = "x" * 150_000
    body = activity(url, text="menu", channelData={"tenant": {"id": "tenant-1"}, "x": padding})
    assert teams_settings().max_body_bytes < len(json.dumps(body)) < MAX_BODY_BYTES

    [reply] = await _say(teams, fake, body)

    assert "Signalering" in _labels([reply])


def _labels(messages: list[dict]) -> list[str]:
    return [action["title"] for message in messages for action in card_actions(message)]


async def test_the_bot_greets_a_new_personal_chat_with_the_home_menu(teams, connector, kb):
    fake, url = connector
    messages = await _say(teams, fake, members_added(url, "29:user-aaaa", BOT_ID))
    assert messages, "no welcome"
    first_words = " ".join(kb.home.welcome.split()[:3])
    assert first_words.replace("*", "") in messages[0]["text"].replace("*", "")
    assert _labels(messages) == [entry.label for entry in kb.home.menu]
    assert messages[0]["replyToId"] == "1700000000001"


@pytest.mark.parametrize("text", ["menu", "/menu", "<at>polbot</at> menu"])
async def test_menu_shows_the_home_card(teams, connector, kb, text) -> None:
    fake, url = connector
    messages = await _say(teams, fake, activity(url, text=text))
    assert _labels(messages) == [entry.label for entry in kb.home.menu]
    [action] = [a for a in card_actions(messages[-1]) if a["title"] == kb.home.menu[0].label]
    assert action["type"] == "Action.Submit"


async def test_pressing_the_home_cards_buttons_leads_to_a_page(teams, connector, kb) -> None:
    fake, url = connector
    home = await _say(teams, fake, activity(url, text="menu"))
    theme_button = next(a for a in card_actions(home[-1]) if payload_of(a).startswith("t:"))
    theme = await _say(teams, fake, press(url, theme_button))
    page_button = next(a for a in card_actions(theme[-1]) if payload_of(a).startswith("p:"))
    page_id = payload_of(page_button).split(":")[1]
    page = await _say(teams, fake, press(url, page_button))
    assert kb.page(page_id).title in page[0]["text"]
    assert kb.page(page_id).summary.split()[0] in page[0]["text"]


async def test_a_channel_message_with_a_mention_is_answered_as_the_bare_question(
    teams, connector, assistant
) -> None:
    fake, url = connector
    question = "Welke partners kan ik betrekken bij het signaleren van spanningen?"
    [*messages] = await _say(teams, fake, channel_mention(url, question))
    expected = [
        a.model_dump(mode="json") for a in render_all(assistant.handle(TextMessage(question)))
    ]
    assert [m["text"] for m in messages] == [e["text"] for e in expected]
    assert all(m["conversation"]["id"].startswith("19:channel-1") for m in messages)


@pytest.mark.parametrize(
    "question",
    ["Hoe laat vertrekt de trein naar Utrecht?", "Wat kost een parkeervergunning in Schiedam?"],
)
async def test_an_out_of_handbook_question_gets_the_helpdesk_as_a_mailto_link(
    teams, connector, question
) -> None:
    fake, url = connector
    messages = await _say(teams, fake, activity(url, text=question))
    text = "\n".join(message["text"] for message in messages)
    assert f"[{HELPDESK}](mailto:{HELPDESK})" in text


async def test_the_commands_of_the_teams_command_menu_are_answered(teams, connector, kb):
    fake, url = connector
    for command in ("help", "contact"):
        assert await _say(teams, fake, activity(url, text=command))
    contact = fake.messages()[-1]["text"]
    assert kb.page("contact").title in contact
    assert f"mailto:{HELPDESK}" in contact


@pytest.mark.parametrize(("question", "page_id", "title"), STRAIGHT_AWAY)
async def test_the_issue_questions_get_their_page_straight_away(
    teams, connector, question: str, page_id: str, title: str
) -> None:
    fake, url = connector
    messages = await _say(teams, fake, activity(url, text=question))
    text = "\n".join(message["text"] for message in messages)
    assert title in text
    assert ALTERNATIVES_LEAD not in text


@pytest.mark.parametrize("text", ["over", "/over", "<at>polbot</at> /over", "help", "/contact"])
async def test_every_command_the_help_text_names_works_in_teams(teams, connector, kb, text):
    # The help text tells Teams users about /menu, /help, /contact and /over.
    fake, url = connector
    messages = await _say(teams, fake, activity(url, text=text))
    shown = "\n".join(message["text"] for message in messages)
    assert kb.message("fallback").split(".")[0] not in shown
    if "over" in text:
        assert "Over deze assistent" in shown


async def test_a_pressed_button_shows_its_label_as_the_users_message(teams, connector, kb):
    # messageBack: Teams writes displayText into the chat as the user's message, so that in a
    # group chat the others see what was asked; the bot gets the payload as the value.
    fake, url = connector
    [home] = await _say(teams, fake, activity(url, text="menu"))
    for action in card_actions(home):
        back = action["data"]["msteams"]
        assert back["type"] == "messageBack"
        assert back["displayText"] == action["title"]
    theme = kb.themes[0]
    [action] = [a for a in card_actions(home) if a["title"] == theme.label]
    [reply] = await _say(teams, fake, press(url, action))
    assert theme.intro.split()[0] in reply["text"]
    # The label that came along as text is not read as a question.
    assert next(a["title"] for a in card_actions(reply)) == kb.page(theme.pages[0]).title


async def test_the_group_welcome_says_how_to_mention_the_bot(teams, connector, kb) -> None:
    fake, url = connector
    body = members_added(url, BOT_ID, conversation_type="groupChat")
    [welcome] = await _say(teams, fake, body)
    assert "@polbot" in welcome["text"]
    assert kb.message("teams-welcome-mention", name="polbot").split(".")[0] in welcome["text"]
    personal = await _say(teams, fake, members_added(url, BOT_ID))
    assert "@polbot" not in personal[0]["text"]


async def test_a_personal_chat_is_welcomed_once_per_install(teams, connector) -> None:
    # Teams tells the bot of its own install and, separately, that the user joined.
    fake, url = connector
    assert await _say(teams, fake, members_added(url, BOT_ID))
    assert not await _say(teams, fake, members_added(url, "29:user-aaaa"))


async def test_paragraphs_keep_a_blank_line_in_teams(teams, connector) -> None:
    # Teams shows "\n\n" as one line break: a line of its own keeps paragraphs apart.
    fake, url = connector
    [about] = await _say(teams, fake, activity(url, text="over"))
    assert "\n\n&nbsp;\n\n" in about["text"]


async def test_the_portfolio_question_shows_the_passage_that_answers_it(teams, connector):
    fake, url = connector
    messages = await _say(teams, fake, activity(url, text=PORTFOLIO_QUESTION))
    text = "\n".join(message["text"] for message in messages)
    assert HANDBOOK_MARK in text
    assert COORDINATING_ROLE in text
    assert _labels(messages)[2] == "Lees verder"  # after 👍 and 👎


async def test_a_table_is_an_adaptive_card_table_in_its_place(teams, connector, kb) -> None:
    fake, url = connector
    [home] = await _say(teams, fake, activity(url, text="menu"))
    [action] = [a for a in card_actions(home) if a["title"] == kb.home.menu[1].label]
    theme = await _say(teams, fake, press(url, action))
    [action] = [a for a in card_actions(theme[-1]) if payload_of(a) == f"p:{TABLE_PAGE}"]
    messages = await _say(teams, fake, press(url, action))
    tables = [
        element
        for message in messages
        for attachment in message.get("attachments", [])
        for element in attachment["content"]["body"]
        if element["type"] == "Table"
    ]
    [table] = tables
    rows = [[cell["items"][0]["text"] for cell in row["cells"]] for row in table["rows"]]
    assert [" | ".join(row) for row in rows] == list(TABLE_LINES)
    assert table["firstRowAsHeader"] is True
    # In its place: after the text that announces it, before the text that follows it.
    texts = [message["text"] for message in messages]
    where = next(
        n
        for n, m in enumerate(messages)
        if any(e["type"] == "Table" for a in m.get("attachments", []) for e in a["content"]["body"])
    )
    assert "Denk bijvoorbeeld aan:" in texts[where - 1]
    assert "Hierbij is het van belang" in texts[where + 1]
