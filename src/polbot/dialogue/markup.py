"""Turn knowledge-base text into reply blocks.

Conversation texts (``knowledge/messages.yaml``, the home welcome) use a tiny markup:

- a blank line starts a new paragraph; single line breaks are spaces;
- lines starting with ``- `` are the items of a bullet list (an indented or plain line that
  follows continues the item);
- ``**bold**``, ``[label](https://...)`` and ``[label](mailto:...)``;
- a bare e-mail address becomes a mailto link.

Handbook text (page summaries, paragraphs, list items) is not markup: :func:`spans` keeps it
verbatim and only links the e-mail addresses and web addresses in it.
"""

from __future__ import annotations

import re

from polbot.dialogue.replies import Block, BulletList, Paragraph, Span

_EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
_URL = r"https?://[^\s<>()\[\]]*[^\s<>()\[\].,;:!?'\"]"
# Handbook text: only addresses are special.
_ADDRESS = re.compile(rf"(?P<email>{_EMAIL})|(?P<url>{_URL})")
# Markup: bold, a labelled link, or an address.
_INLINE = re.compile(
    rf"\*\*(?P<bold>.+?)\*\*"
    rf"|\[(?P<label>[^\]\n]+)\]\((?P<target>(?:https?://|mailto:)[^)\s]+)\)"
    rf"|(?P<email>{_EMAIL})|(?P<url>{_URL})"
)
_BULLET = re.compile(r"^\s*- +")


def parse(text: str) -> tuple[Block, ...]:
    """The blocks of a conversation text written in the light markup.

    >>> parse("Mail **ons**: a@b.nl")  # doctest: +NORMALIZE_WHITESPACE
    (Paragraph(spans=(Span(text='Mail ', bold=False, link=None),
                      Span(text='ons', bold=True, link=None),
                      Span(text=': ', bold=False, link=None),
                      Span(text='a@b.nl', bold=False, link='mailto:a@b.nl'))),)
    """
    blocks: list[Block] = []
    for chunk in re.split(r"\n[ \t]*\n", text.strip()):
        blocks.extend(_chunk_blocks(chunk.splitlines()))
    return tuple(blocks)


def spans(text: str, *, bold: bool = False) -> tuple[Span, ...]:
    """Handbook text as spans, verbatim except that addresses become links."""
    return _split(" ".join(text.split()), _ADDRESS, bold=bold)


def _chunk_blocks(lines: list[str]) -> list[Block]:
    """One blank-line separated chunk: a paragraph, a bullet list, or text then bullets."""
    prose: list[str] = []
    items: list[list[str]] = []
    blocks: list[Block] = []
    for line in lines:
        if _BULLET.match(line):
            if prose:
                blocks.append(Paragraph(_inline(" ".join(prose))))
                prose = []
            items.append([_BULLET.sub("", line)])
        elif items:
            items[-1].append(line)
        else:
            prose.append(line)
    if prose:
        blocks.append(Paragraph(_inline(" ".join(prose))))
    if items:
        blocks.append(BulletList(tuple(_inline(" ".join(item)) for item in items)))
    return [block for block in blocks if not _is_empty(block)]


def _inline(text: str) -> tuple[Span, ...]:
    return _split(" ".join(text.split()), _INLINE, bold=False)


def _split(text: str, pattern: re.Pattern[str], *, bold: bool) -> tuple[Span, ...]:
    """Cut ``text`` at the matches of ``pattern``, each match becoming its own span."""
    result: list[Span] = []
    position = 0
    for match in pattern.finditer(text):
        if match.start() > position:
            result.append(Span(text[position : match.start()], bold=bold))
        result.extend(_matched(match, bold=bold))
        position = match.end()
    if position < len(text):
        result.append(Span(text[position:], bold=bold))
    return tuple(result)


def _matched(match: re.Match[str], *, bold: bool) -> tuple[Span, ...]:
    groups = match.groupdict()
    if groups.get("bold"):
        # Bold text may hold addresses, never nested bold.
        return _split(groups["bold"], _ADDRESS, bold=True)
    if groups.get("label"):
        return (Span(groups["label"], bold=bold, link=groups["target"]),)
    if groups.get("email"):
        return (Span(groups["email"], bold=bold, link=f"mailto:{groups['email']}"),)
    return (Span(groups["url"], bold=bold, link=groups["url"]),)


def _is_empty(block: Block) -> bool:
    if isinstance(block, Paragraph):
        return not block.spans
    if isinstance(block, BulletList):
        return not block.items
    return not block.rows
