"""Plain-text rendering of replies, for the terminal and the web API's ``text`` field.

Bold is shown plainly, a link as ``label <address>`` (just the address when the label is
the address), bullets as ``- ``, a table one line per row (the header first) with its cells
in order between :data:`CELL_SEPARATOR`, blocks separated by a blank line. Buttons are not
rendered: each channel shows them its own way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from polbot.dialogue.replies import Block, BulletList, Cell, Reply, Span, Table

CELL_SEPARATOR = " | "
"""Between the cells of a table row shown as one line of text."""


def plain(reply: Reply) -> str:
    """The text of ``reply`` without its buttons."""
    return plain_blocks(reply.blocks)


def plain_blocks(blocks: Iterable[Block]) -> str:
    """Blocks as plain text, one blank line between them."""
    return "\n\n".join(_block(block) for block in blocks)


def _block(block: Block) -> str:
    if isinstance(block, BulletList):
        return "\n".join(f"- {_spans(item)}" for item in block.items)
    if isinstance(block, Table):
        return "\n".join(row_line(row, _spans) for row in (block.header, *block.rows))
    return _spans(block.spans)


def row_line(cells: Iterable[Cell], render: Callable[[Cell], str]) -> str:
    """A table row as one line: every cell rendered by ``render``, in column order, an empty
    cell kept as ``-`` so that the cells after it stay under their column."""
    return CELL_SEPARATOR.join(render(cell).strip() or "-" for cell in cells)


def _spans(spans: Iterable[Span]) -> str:
    return "".join(_span(span) for span in spans)


def _span(span: Span) -> str:
    if span.link is None:
        return span.text
    address = span.link.removeprefix("mailto:")
    if span.text in (span.link, address):
        return span.text
    return f"{span.text} <{address}>"
