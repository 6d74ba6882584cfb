"""Replies rendered for Teams: markdown that shows the knowledge base's text literally, links
and e-mail addresses as links, at most six buttons a card, messages well under Teams' limit."""

from __future__ import annotations

import json
import time

import pytest

from polbot.channels.teams.cards import MAX_TEXT_BYTES, escape_markdown, render
from polbot.channels.teams.inbound import question_text
from polbot.dialogue.replies import BulletList, Button, Paragraph, Reply, Span


def _text(*spans: Span) -> str:
    [activity] = render(Reply((Paragraph(spans),)))
    return activity.text


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("Beleid & organisatie", "Beleid & organisatie"),
        ("*niet vet*", r"\*niet vet\*"),
        ("snake_case en `code`", r"snake\_case en \`code\`"),
        ("[geen](link)", r"\[geen\](link)"),
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("&amp; blijft zichtbaar", "&amp;amp; blijft zichtbaar"),
        ("# geen kop", r"\# geen kop"),
        ("- geen lijst", r"\- geen lijst"),
        ("1. geen genummerde lijst", r"\1. geen genummerde lijst"),
        ("~~niet doorgestreept~~", r"\~\~niet doorgestreept\~\~"),
        ("Emoji 🙂 blijft", "Emoji 🙂 blijft"),
    ],
)
def test_knowledge_text_is_escaped_for_teams_markdown(raw: str, shown: str) -> None:
    assert escape_markdown(raw) == shown


@pytest.mark.parametrize(
    ("spans", "markdown"),
    [
        ((Span("Vet", bold=True),), "**Vet**"),
        ((Span("Zie "), Span("dit", bold=True), Span(" en")), "Zie **dit** en"),
        ((Span(" spaties ", bold=True), Span("erna")), "**spaties** erna"),
        ((Span("site", link="https://example.nl/a b"),), "[site](https://example.nl/a%20b)"),
        (
            (Span("Mail VeiligheidsAlliantie@rotterdam.nl."),),
            "Mail [VeiligheidsAlliantie@rotterdam.nl](mailto:VeiligheidsAlliantie@rotterdam.nl).",
        ),
        (
            (Span("helpdesk", link="mailto:VeiligheidsAlliantie@rotterdam.nl", bold=True),),
            "**[helpdesk](mailto:VeiligheidsAlliantie@rotterdam.nl)**",
        ),
    ],
)
def test_bold_links_and_email_addresses(spans, markdown) -> None:
    assert _text(*spans) == markdown


def test_paragraphs_and_bullet_lists_are_separated_by_a_blank_line() -> None:
    reply = Reply(
        (
            Paragraph((Span("Partners:"),)),
            BulletList(((Span("wijkteam"),), (Span("politie", bold=True),))),
        )
    )
    [activity] = render(reply)
    assert activity.text == "Partners:\n\n&nbsp;\n\n- wijkteam\n- **politie**"
    assert activity.text_format == "markdown"


@pytest.mark.parametrize("words", [10, 5_000, 40_000])
def test_a_long_reply_is_split_into_messages_under_the_limit(words: int) -> None:
    paragraphs = tuple(Paragraph((Span("woord " * 100),)) for _ in range(words // 100 or 1))
    reply = Reply(paragraphs, (Button("Hoofdmenu", "home"),))
    activities = render(reply)
    for activity in activities:
        size = len(json.dumps(activity.model_dump(mode="json", exclude_none=True)).encode())
        assert size < 40_000  # Teams refuses messages over about 80 KB
        assert len(activity.text.encode()) <= MAX_TEXT_BYTES
    words_shown = [w for a in activities for w in a.text.split() if w != "&nbsp;"]
    assert words_shown == ("woord " * 100 * len(paragraphs)).split()
    assert [bool(a.attachments) for a in activities][-1]  # the buttons come last
    assert not any(a.attachments for a in activities[:-1])


def test_a_single_word_longer_than_a_message_is_cut() -> None:
    activities = render(Reply((Paragraph((Span("x" * 50_000),)),)))
    assert "".join(a.text for a in activities) == "x" * 50_000
    assert all(len(a.text.encode()) <= MAX_TEXT_BYTES for a in activities)


def test_a_reply_with_only_buttons_is_one_card_message() -> None:
    [activity] = render(Reply((), (Button("Hoofdmenu", "home"),)))
    [button] = activity.attachments[0].content["body"]
    assert button["selectAction"] == {
        "type": "Action.Submit",
        "title": "Hoofdmenu",
        "data": {
            "msteams": {
                "type": "messageBack",
                "displayText": "Hoofdmenu",
                "text": "Hoofdmenu",
                "value": {"payload": "home"},
            }
        },
    }
    # The label wraps instead of being cut off at the card's edge.
    assert button["items"] == [
        {
            "type": "TextBlock",
            "text": "Hoofdmenu",
            "wrap": True,
            "weight": "bolder",
            "color": "accent",
            "horizontalAlignment": "center",
        }
    ]


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("<at>polbot</at> Wat is polarisatie?", "Wat is polarisatie?"),
        ("<at>Polbot Assistent</at>\n wie   moet ik trainen", "wie moet ik trainen"),
        ("Vraag aan <at>polbot</at> over <at>Jan</at> netwerken", "Vraag aan over netwerken"),
        ("Wat&nbsp;is &quot;signalering&quot;?", 'Wat is "signalering"?'),
        (None, ""),
        ("<at>polbot</at>", ""),
    ],
)
def test_mentions_and_entities_are_removed_from_questions(text, question) -> None:
    assert question_text(text) == question


@pytest.mark.parametrize(
    "text", ["<at>" * 16_000, "<at>x" * 12_000, "x" * 60_000, "a." * 30_000 + "@", "a@" * 30_000]
)
def test_hostile_texts_are_handled_in_linear_time(text: str) -> None:
    start = time.perf_counter()
    question_text(text)
    render(Reply((Paragraph((Span(text),)),)))
    assert time.perf_counter() - start < 2  # quadratic regexes took seconds to minutes here
