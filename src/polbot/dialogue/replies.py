"""Channel-neutral replies: light structured text plus buttons, as frozen data.

Each channel renders these in its own way (HTML for Telegram, cards for Teams, JSON for
the web chat, numbered options in the terminal). Nothing here knows a channel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True, slots=True)
class Span:
    """A run of text, optionally bold or a link (``https://...`` or ``mailto:...``)."""

    text: str
    bold: bool = False
    link: str | None = None


@dataclass(frozen=True, slots=True)
class Paragraph:
    spans: tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class BulletList:
    items: tuple[tuple[Span, ...], ...]


Cell = tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class Table:
    """A table as the handbook shows it: a header of column names, then rows of cells in
    column order (a cell may be empty). A renderer that cannot draw a table shows it one
    line per row, the cells in order."""

    header: tuple[Cell, ...]
    rows: tuple[tuple[Cell, ...], ...]


Block = Paragraph | BulletList | Table


@dataclass(frozen=True, slots=True)
class Button:
    """A button: the label a user sees and the payload (at most 64 bytes) it sends back."""

    label: str
    payload: str


ReplyKind = Literal[
    "menu",
    "theme",
    "page",
    "answer",
    "alternatives",
    "fallback",
    "smalltalk",
    "feedback",
    "help",
    "invalid",
    "error",
]
"""What a reply is, for metrics and logs (see :class:`Reply`)."""


@dataclass(frozen=True, slots=True)
class Reply:
    """One message to the user.

    ``kind`` says what the reply is for metrics and logs: ``menu`` (home menu), ``theme``,
    ``page``, ``answer`` (a page's summary for a question), ``alternatives`` (that, with "Bedoelde u
    misschien:" and the other likely pages),
    ``fallback`` (the handbook has no answer), ``smalltalk``, ``feedback`` (the reply to
    👍/👎 under an answer), ``help`` (help, about, and
    answers to empty or overlong messages), ``invalid`` (a payload that opens nothing) or
    ``error`` (the apology when something broke on polbot's side);
    ``page_id`` the page it shows, if any.
    """

    blocks: tuple[Block, ...]
    buttons: tuple[Button, ...] = ()
    kind: ReplyKind = "menu"
    page_id: str | None = field(default=None)
