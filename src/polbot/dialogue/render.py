"""Plain-text rendering of replies, for the terminal and the web API's ``text`` field.

Bold is shown plainly, a link as ``label <address>`` (just the address when the label is
the address), bullets as ``- ``, paragraphs separated by a blank line. Buttons are not
rendered: each channel shows them its own way.
"""

from __future__ import annotations

from collections.abc import Iterable

from polbot.dialogue.replies import Block, BulletList, Reply, Span


def plain(reply: Reply) -> str:
    """The text of ``reply`` without its buttons."""
    return plain_blocks(reply.blocks)


def plain_blocks(blocks: Iterable[Block]) -> str:
    """Blocks as plain text, one blank line between them."""
    return "\n\n".join(_block(block) for block in blocks)


def _block(block: Block) -> str:
    if isinstance(block, BulletList):
        return "\n".join(f"- {_spans(item)}" for item in block.items)
    return _spans(block.spans)


def _spans(spans: Iterable[Span]) -> str:
    return "".join(_span(span) for span in spans)


def _span(span: Span) -> str:
    if span.link is None:
        return span.text
    address = span.link.removeprefix("mailto:")
    if span.text in (span.link, address):
        return span.text
    return f"{span.text} <{address}>"
