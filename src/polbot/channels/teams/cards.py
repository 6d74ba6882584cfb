"""Render the dialogue's replies as Teams messages.

A reply becomes one message (more only when its text is very long): the text as Teams
markdown (bold, bullet lists, links, e-mail addresses as ``mailto:`` links) and the buttons as
Adaptive Cards 1.5. Teams' host config lays out a card's actions in one row and cuts off what
does not fit, so each button stands in an ``ActionSet`` of its own, one below the other. A
button is an ``Action.Submit`` of the ``messageBack`` kind: its label shows as the user's own
message (in a group chat the others see what was asked) and ``{"payload": ...}`` comes back
as the activity's value. Teams shows at most six buttons a card, so a larger menu is split
over evenly filled cards in one message.

Teams shows two line breaks as one, so paragraphs would run together; a line holding only a
non-breaking space (:data:`BLOCK_BREAK`) keeps the blank line between them.

>>> from polbot.dialogue.replies import Paragraph, Reply, Span
>>> [activity.text for activity in render(Reply((Paragraph((Span("Hallo", bold=True),)),)))]
['**Hallo**']
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Sequence

from microsoft_agents.activity import Activity, ActivityTypes, Attachment

from polbot.dialogue.render import plain_blocks, row_line
from polbot.dialogue.replies import Block, BulletList, Button, Cell, Paragraph, Reply, Span, Table

MAX_BUTTONS_PER_CARD = 6
"""Teams shows at most six buttons on a card."""

BLOCK_BREAK = "\n\n&nbsp;\n\n"
"""Between two blocks: Teams renders ``\n\n`` as a single line break, and this as a blank
line (a standard markdown renderer shows an empty paragraph: the same gap, a little taller)."""

MAX_TEXT_BYTES = 20_000
"""UTF-8 bytes of markdown per message: well under Teams' limit of about 80 KB a message,
leaving room for the cards and the activity's own fields."""

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
ADAPTIVE_CARD_VERSION = "1.5"
"""The newest Adaptive Card version every Teams client renders."""

# Characters that start markdown inline syntax anywhere in a line.
_INLINE = re.compile(r"([\\`*_\[\]~])")
# Markers that start a heading, quote or list at the beginning of a line.
_LINE_START = re.compile(r"(^|\n)([ \t]*)([#>+-]|\d+[.)])", re.MULTILINE)
# An ampersand that would otherwise start an HTML entity.
_ENTITY = re.compile(r"&(?=#?\w+;)")
# Bounded like real addresses, so that a long run of letters costs linear time, not quadratic.
_EMAIL = re.compile(r"[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}")


def escape_markdown(text: str) -> str:
    """Escape ``text`` so Teams shows it literally, not as markdown or HTML.

    >>> escape_markdown("*Let op* <b>1. a_b</b>")
    '\\\\*Let op\\\\* &lt;b&gt;1. a\\\\_b&lt;/b&gt;'
    """
    text = _ENTITY.sub("&amp;", text)
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    text = _INLINE.sub(r"\\\1", text)
    return _LINE_START.sub(lambda m: f"{m[1]}{m[2]}\\{m[3]}", text)


def _link(label: str, url: str) -> str:
    # Spaces and parentheses would end the link target early.
    target = url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
    return f"[{label}]({target})"


def _plain(text: str) -> str:
    """Escaped text with every e-mail address as a ``mailto:`` link."""
    parts: list[str] = []
    end = 0
    for match in _EMAIL.finditer(text):
        parts.append(escape_markdown(text[end : match.start()]))
        parts.append(_link(escape_markdown(match[0]), f"mailto:{match[0]}"))
        end = match.end()
    parts.append(escape_markdown(text[end:]))
    return "".join(parts)


def _span(span: Span) -> str:
    core = span.text.strip()
    if not core:
        return span.text
    rendered = _link(escape_markdown(core), span.link) if span.link else _plain(core)
    if span.bold:
        rendered = f"**{rendered}**"
    # Markdown emphasis must hug its text: keep the span's outer spaces outside the stars.
    lead = span.text[: len(span.text) - len(span.text.lstrip())]
    trail = span.text[len(span.text.rstrip()) :]
    return f"{lead}{rendered}{trail}"


def _spans(spans: Iterable[Span]) -> str:
    return "".join(_span(span) for span in spans).strip()


def render_block(block: Block) -> str:
    """One paragraph or bullet list as Teams markdown (a table, which :func:`render` draws as
    a card, one line per row)."""
    if isinstance(block, BulletList):
        return "\n".join(f"- {_spans(item)}" for item in block.items)
    if isinstance(block, Table):
        return "  \n".join(row_line(row, _spans) for row in (block.header, *block.rows))
    return _spans(block.spans)


def _pieces(markdown: str, limit: int) -> Iterator[str]:
    """``markdown`` cut at white space into pieces of at most ``limit`` UTF-8 bytes."""
    piece: list[str] = []
    size = 0
    for word in re.split(r"(?<=\s)", markdown):
        length = len(word.encode())
        while length > limit:  # one "word" longer than a message: cut it hard
            cut = word.encode()[:limit].decode(errors="ignore")
            if piece:
                yield "".join(piece)
                piece, size = [], 0
            yield cut
            word = word[len(cut) :]
            length = len(word.encode())
        if size + length > limit:
            yield "".join(piece)
            piece, size = [], 0
        piece.append(word)
        size += length
    if piece:
        yield "".join(piece)


def _texts(blocks: Sequence[Block], limit: int) -> list[str]:
    """The blocks as markdown, grouped into messages of at most ``limit`` UTF-8 bytes."""
    texts: list[str] = []
    current = ""
    for block in blocks:
        for piece in _pieces(render_block(block), limit):
            joined = f"{current}{BLOCK_BREAK}{piece}" if current else piece
            if len(joined.encode()) <= limit:
                current = joined
            else:
                texts.append(current)
                current = piece
    if current:
        texts.append(current)
    return texts


def _chunks(buttons: Sequence[Button]) -> list[Sequence[Button]]:
    """Split ``buttons`` into as few cards as possible, filled evenly (7 -> 4 + 3)."""
    count = math.ceil(len(buttons) / MAX_BUTTONS_PER_CARD)
    if not count:
        return []
    size, extra = divmod(len(buttons), count)
    chunks, start = [], 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        chunks.append(buttons[start:end])
        start = end
    return chunks


def button_action(button: Button) -> dict[str, object]:
    """One button as a ``messageBack`` submit: Teams posts the label as the user's message
    and ``{"payload": ...}`` as the activity's value (:func:`.inbound.card_payload`)."""
    value = {"payload": button.payload}
    return {
        "type": "Action.Submit",
        "title": button.label,
        "data": {
            "msteams": {
                "type": "messageBack",
                "displayText": button.label,
                "text": button.label,
                "value": value,
            },
        },
    }


def button_element(button: Button) -> dict[str, object]:
    """One button as a row of its own: a container that submits when pressed, its label in a
    text block that wraps. Teams draws an action's label on one line and cuts it off where
    the card ends (at a phone's width most page titles); a wrapping label never is."""
    return {
        "type": "Container",
        "style": "emphasis",
        "spacing": "small",
        "selectAction": button_action(button),
        "items": [
            {
                "type": "TextBlock",
                "text": button.label,
                "wrap": True,
                "weight": "bolder",
                "color": "accent",
                "horizontalAlignment": "center",
            }
        ],
    }


def _card(body: list[dict[str, object]]) -> Attachment:
    """An Adaptive Card of the version every Teams client renders, holding ``body``."""
    return Attachment(
        content_type=ADAPTIVE_CARD,
        content={
            "type": "AdaptiveCard",
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "version": ADAPTIVE_CARD_VERSION,
            "body": body,
        },
    )


def button_card(buttons: Sequence[Button]) -> Attachment:
    """An Adaptive Card with the buttons stacked, one a row, each the card's full width."""
    return _card([button_element(button) for button in buttons])


def _cell_text(cell: Cell) -> str:
    return plain_blocks((Paragraph(cell),))


def table_card(table: Table) -> Attachment:
    """A table as an Adaptive Card ``Table`` (Teams draws it from card version 1.5): the
    header as its first row, every cell wrapping."""

    def row(cells: Sequence[Cell], header: bool) -> dict[str, object]:
        return {
            "type": "TableRow",
            "cells": [
                {
                    "type": "TableCell",
                    "items": [
                        {
                            "type": "TextBlock",
                            "text": _cell_text(cell),
                            "wrap": True,
                            **({"weight": "bolder"} if header else {}),
                        }
                    ],
                }
                for cell in cells
            ],
        }

    return _card(
        [
            {
                "type": "Table",
                "columns": [{"width": 1} for _ in table.header],
                "firstRowAsHeader": True,
                "rows": [row(table.header, True), *(row(r, False) for r in table.rows)],
            }
        ]
    )


def _message(text: str = "", attachments: Sequence[Attachment] = ()) -> Activity:
    activity = Activity(type=ActivityTypes.message, text=text, text_format="markdown")
    if attachments:
        activity.attachments = list(attachments)
    return activity


def render(reply: Reply, *, max_text_bytes: int = MAX_TEXT_BYTES) -> list[Activity]:
    """The Teams messages that show ``reply``: its text, each table as a card of its own in
    its place, then its buttons as cards."""
    activities: list[Activity] = []
    text: list[Block] = []
    for block in (*reply.blocks, None):
        if block is not None and not isinstance(block, Table):
            text.append(block)
            continue
        activities += [_message(piece) for piece in _texts(text, max_text_bytes)]
        text = []
        if block is not None:
            activities.append(_message(attachments=[table_card(block)]))
    cards = [button_card(chunk) for chunk in _chunks(reply.buttons)]
    if cards:
        if not activities:
            activities.append(_message())
        last = activities[-1]
        last.attachments = [*(last.attachments or []), *cards]
        last.attachment_layout = "list"
    return [activity for activity in activities if activity.text or activity.attachments]


def render_all(replies: Iterable[Reply]) -> list[Activity]:
    """The Teams messages for every reply of one turn, in order."""
    return [activity for reply in replies for activity in render(reply)]
