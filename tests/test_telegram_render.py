"""Replies as Telegram HTML: escaped, split between elements, buttons as inline keyboards."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polbot.channels.telegram.render import MESSAGE_LIMIT, keyboard, render
from polbot.dialogue.replies import BulletList, Button, Paragraph, Reply, Span
from telegram_fake import visible_text


def paragraph(*texts: str, bold: bool = False) -> Paragraph:
    return Paragraph(tuple(Span(text, bold=bold) for text in texts))


@pytest.mark.parametrize(
    ("span", "html"),
    [
        (Span("<script>alert('x')</script>"), "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"),
        (Span("A & B", bold=True), "<b>A &amp; B</b>"),
        (
            Span("site", link='https://x.nl/?a=1&b="2"'),
            '<a href="https://x.nl/?a=1&amp;b=&quot;2&quot;">site</a>',
        ),
        (Span("mail@x.nl", link="mailto:mail@x.nl"), "mail@x.nl"),
        (Span("de helpdesk", link="mailto:mail@x.nl"), "de helpdesk (mail@x.nl)"),
        (
            Span("<b>", bold=True, link="https://x.nl"),
            '<b><a href="https://x.nl">&lt;b&gt;</a></b>',
        ),
        (Span("evil", link="javascript:alert(1)"), "evil (javascript:alert(1))"),
    ],
)
def test_text_is_escaped_and_only_our_own_tags_are_written(span: Span, html: str) -> None:
    assert render(Reply((Paragraph((span,)),))).chunks == (html,)


def test_paragraphs_are_separated_by_a_blank_line_and_list_items_get_bullets() -> None:
    reply = Reply((paragraph("Kop", bold=True), BulletList(((Span("een"),), (Span("twee"),)))))
    assert render(reply).chunks == ("<b>Kop</b>\n\n• een\n• twee",)


def test_a_5000_character_reply_is_two_messages_cut_between_paragraphs() -> None:
    paragraphs = tuple(paragraph(f"Alinea {n}. " + "woord " * 90) for n in range(10))
    reply = Reply(paragraphs, (Button("Hoofdmenu", "home"),))
    whole = render(reply, limit=10**6).chunks[0]
    assert len(whole) > 5000

    chunks = render(reply).chunks

    assert len(chunks) == 2
    assert all(len(chunk) <= MESSAGE_LIMIT for chunk in chunks)
    assert "\n\n".join(chunks) == whole


def test_one_paragraph_too_long_for_a_message_is_cut_between_words_inside_no_tag() -> None:
    reply = Reply((Paragraph((Span("vet " * 700, bold=True), Span("<gewoon> " * 100))),))
    chunks = render(reply).chunks
    assert len(chunks) == 2
    for chunk in chunks:
        assert len(chunk) <= MESSAGE_LIMIT
        visible_text(chunk)  # raises if a tag is cut or left open
    assert "".join(map(visible_text, chunks)) == "vet " * 700 + "<gewoon> " * 100


def test_a_word_longer_than_a_message_is_cut_as_a_last_resort() -> None:
    chunks = render(Reply((paragraph("&" * 5000),))).chunks
    assert [len(visible_text(chunk)) for chunk in chunks] == [819, 819, 819, 819, 819, 819, 86]
    assert all(len(chunk) <= MESSAGE_LIMIT for chunk in chunks)


_text = st.text(st.sampled_from("ab <>&\"'é😀\n"), max_size=60)
_span = st.builds(
    Span,
    _text,
    bold=st.booleans(),
    link=st.one_of(st.none(), st.just("https://x.nl/?q=<&>")),
)
_spans = st.lists(_span, min_size=1, max_size=6).map(tuple)
_block = st.one_of(
    st.builds(Paragraph, _spans),
    st.builds(BulletList, st.lists(_spans, min_size=1, max_size=4).map(tuple)),
)


@settings(max_examples=200, deadline=None)
@given(blocks=st.lists(_block, min_size=1, max_size=8), limit=st.integers(60, 400))
def test_every_chunk_fits_parses_and_together_they_keep_every_character(
    blocks: list[Paragraph | BulletList], limit: int
) -> None:
    reply = Reply(tuple(blocks))
    whole = visible_text(render(reply, limit=10**6).chunks[0])

    chunks = render(reply, limit=limit).chunks

    assert all(len(chunk) <= limit for chunk in chunks)
    pieces = [visible_text(chunk) for chunk in chunks]
    # Cuts drop only the separators between blocks and items, never a visible character.
    assert "".join(pieces).replace("\n", "") == whole.replace("\n", "")


@pytest.mark.parametrize(
    ("labels", "rows"),
    [
        (["Hoofdmenu", "Hulp"], [["Hoofdmenu", "Hulp"]]),
        (["Hoofdmenu", "Hulp", "Over"], [["Hoofdmenu", "Hulp"], ["Over"]]),
        (["Beleid & organisatie", "Signalering"], [["Beleid & organisatie"], ["Signalering"]]),
        (
            ["Lees verder", "Terug naar Signalering", "Hoofdmenu"],
            [["Lees verder"], ["Terug naar Signalering"], ["Hoofdmenu"]],
        ),
    ],
)
def test_buttons_are_rows_of_one_or_two_with_the_payload_as_callback_data(
    labels: list[str], rows: list[list[str]]
) -> None:
    buttons = [Button(label, f"p:{n}") for n, label in enumerate(labels)]
    markup = keyboard(buttons)
    assert markup is not None
    assert [[key.text for key in row] for row in markup.inline_keyboard] == rows
    datas = [key.callback_data for row in markup.inline_keyboard for key in row]
    assert datas == [button.payload for button in buttons]


def test_a_reply_without_buttons_has_no_keyboard() -> None:
    assert render(Reply((paragraph("tekst"),))).keyboard is None
