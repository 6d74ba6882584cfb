"""The channel-neutral conversation: events in, replies with buttons out.

>>> from polbot.dialogue import Assistant, Command, plain  # doctest: +SKIP
>>> print(plain(Assistant(kb, engine).handle(Command("start"))[0]))  # doctest: +SKIP
"""

from polbot.dialogue.assistant import Assistant, Observer, SearchEngine
from polbot.dialogue.events import ButtonPress, Command, Event, TextMessage
from polbot.dialogue.render import plain, plain_blocks
from polbot.dialogue.replies import (
    Block,
    BulletList,
    Button,
    Paragraph,
    Reply,
    ReplyKind,
    Span,
    Table,
)

__all__ = [
    "Assistant",
    "Block",
    "BulletList",
    "Button",
    "ButtonPress",
    "Command",
    "Event",
    "Observer",
    "Paragraph",
    "Reply",
    "ReplyKind",
    "SearchEngine",
    "Span",
    "Table",
    "TextMessage",
    "plain",
    "plain_blocks",
]
