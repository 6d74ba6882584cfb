"""Replies as Telegram messages: HTML text in chunks of at most 4,096 characters, buttons as
an inline keyboard.

Every text, whether it came from a user or from the knowledge base, is escaped with
:func:`html.escape`; the only tags are the ones written here (``<b>`` and ``<a href>``).
A reply too long for one message is cut between paragraphs, then between list items, then
between words, and only as a last resort inside a word. Each cut falls between complete
elements, so no chunk ever opens a tag it does not close.

>>> from polbot.dialogue.replies import Button, Paragraph, Reply, Span
>>> reply = Reply((Paragraph((Span("<script>", bold=True),)),), (Button("Menu", "home"),))
>>> rendered = render(reply)
>>> rendered.chunks
('<b>&lt;script&gt;</b>',)
>>> [[key.text for key in row] for row in rendered.keyboard.inline_keyboard]
[['Menu']]
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from polbot.dialogue.render import row_line
from polbot.dialogue.replies import Block, BulletList, Button, Cell, Reply, Span, Table

MESSAGE_LIMIT = 4096
"""Telegram's limit on the text of one message (it counts after parsing; HTML is longer)."""
PAIR_LABEL_CHARS = 16
"""Two buttons share a row only when both labels are this short: phones cut longer ones."""

_PARAGRAPH_SEPARATOR = "\n\n"
_ITEM_SEPARATOR = "\n"
_BULLET = "• "
_WEB_LINK = re.compile(r"^https?://\S+$")
# Words with the white space that follows them; leading white space is a word of its own.
_WORD = re.compile(r"\s+|\S+\s*")


@dataclass(frozen=True, slots=True)
class RenderedReply:
    """One reply as Telegram messages: the keyboard goes with the last chunk."""

    chunks: tuple[str, ...]
    keyboard: InlineKeyboardMarkup | None


def render(reply: Reply, limit: int = MESSAGE_LIMIT) -> RenderedReply:
    """``reply`` as HTML chunks of at most ``limit`` characters, and its inline keyboard."""
    pieces = [piece for block in reply.blocks for piece in _block_pieces(block, limit)]
    return RenderedReply(tuple(_pack(pieces, _PARAGRAPH_SEPARATOR, limit)), keyboard(reply.buttons))


def keyboard(buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
    """Buttons as inline keyboard rows, two to a row when both labels are short.

    The callback data is the core's payload, unchanged: the core keeps it within 64 bytes.
    """
    rows: list[list[InlineKeyboardButton]] = []
    for button in buttons:
        key = InlineKeyboardButton(button.label, callback_data=button.payload)
        last = rows[-1] if rows else None
        if last is not None and len(last) == 1 and _short(last[0].text) and _short(button.label):
            last.append(key)
        else:
            rows.append([key])
    return InlineKeyboardMarkup(rows) if rows else None


def _short(label: str) -> bool:
    return len(label) <= PAIR_LABEL_CHARS


def _block_pieces(block: Block, limit: int) -> list[str]:
    """The block as HTML if it fits in ``limit``, else as pieces that each do."""
    if isinstance(block, BulletList):
        items = [_item_pieces(item, limit) for item in block.items]
        whole = _ITEM_SEPARATOR.join(piece for pieces in items for piece in pieces)
        if len(whole) <= limit:
            return [whole]
        return _pack([piece for pieces in items for piece in pieces], _ITEM_SEPARATOR, limit)
    if isinstance(block, Table):
        # Telegram draws no tables: one line per row, the header first, cells in order.
        rows = [_row_pieces(row, limit) for row in (block.header, *block.rows)]
        return _pack([piece for pieces in rows for piece in pieces], _ITEM_SEPARATOR, limit)
    return _spans_pieces(block.spans, limit)


def _row_pieces(row: Sequence[Cell], limit: int) -> list[str]:
    whole = row_line(row, _cell_html)
    if len(whole) <= limit:
        return [whole]
    return _pack([piece for cell in row for piece in _spans_pieces(cell, limit)], " ", limit)


def _cell_html(cell: Cell) -> str:
    return "".join(_Run.of(span).html(span.text) for span in cell)


def _item_pieces(item: Sequence[Span], limit: int) -> list[str]:
    bullet = _Run(_BULLET, bold=False, link=None)
    spans = (bullet, *(_Run.of(span) for span in item))
    return _runs_pieces(spans, limit)


def _spans_pieces(spans: Sequence[Span], limit: int) -> list[str]:
    return _runs_pieces([_Run.of(span) for span in spans], limit)


def _runs_pieces(runs: Sequence[_Run], limit: int) -> list[str]:
    whole = "".join(run.html(run.text) for run in runs)
    if len(whole) <= limit:
        return [whole]
    return _pack([piece for run in runs for piece in run.pieces(limit)], "", limit)


@dataclass(frozen=True, slots=True)
class _Run:
    """A span's text with its formatting, renderable in pieces that each stay valid HTML."""

    text: str
    bold: bool
    link: str | None

    @classmethod
    def of(cls, span: Span) -> _Run:
        link = span.link
        if link is not None and not _WEB_LINK.match(link):
            # Telegram links only web addresses; it finds e-mail addresses in text by itself.
            address = link.removeprefix("mailto:")
            text = span.text if span.text in (link, address) else f"{span.text} ({address})"
            return cls(text, span.bold, None)
        return cls(span.text, span.bold, link)

    def html(self, text: str) -> str:
        result = html.escape(text)
        if self.link is not None:
            result = f'<a href="{html.escape(self.link)}">{result}</a>'
        if self.bold:
            result = f"<b>{result}</b>"
        return result

    def pieces(self, limit: int) -> list[str]:
        """The run as HTML pieces of at most ``limit`` characters, cut between words."""
        budget = limit - len(self.html(""))
        groups: list[str] = []
        current, size = "", 0
        for word in _WORD.findall(self.text):
            for part in _cut(word, budget):
                width = _escaped_len(part)
                if current and size + width > budget:
                    groups.append(current)
                    current, size = "", 0
                current += part
                size += width
        if current:
            groups.append(current)
        return [self.html(group) for group in groups]


def _cut(word: str, budget: int) -> Iterable[str]:
    """``word`` in parts whose escaped length fits ``budget``: a word is cut only if it must."""
    if _escaped_len(word) <= budget:
        yield word
        return
    part, size = "", 0
    for char in word:
        width = _escaped_len(char)
        if part and size + width > budget:
            yield part
            part, size = "", 0
        part += char
        size += width
    if part:
        yield part


def _escaped_len(text: str) -> int:
    # html.escape replaces character by character, so lengths add up.
    return len(html.escape(text))


def _pack(pieces: Sequence[str], separator: str, limit: int) -> list[str]:
    """Consecutive pieces joined with ``separator`` into as few chunks of ``limit`` as fit.

    Every piece is at most ``limit`` long; a chunk ends where the next piece would not fit.
    """
    chunks: list[str] = []
    current: str | None = None
    for piece in pieces:
        if current is None:
            current = piece
        elif len(current) + len(separator) + len(piece) <= limit:
            current += separator + piece
        else:
            chunks.append(current)
            current = piece
    if current is not None:
        chunks.append(current)
    return chunks
