"""The conversation core: one event in, the replies to send out.

The assistant is stateless: a button carries everything it opens (see ``payloads``), so any
process can answer any click. It knows menus, pages and the fallback wording, never a
channel. Every text it shows comes from the knowledge base: page and theme data, or the
conversation texts of ``knowledge/messages.yaml`` via ``kb.message``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol, TypeVar

from polbot.dialogue import markup, payloads
from polbot.dialogue.events import ButtonPress, Command, Event, TextMessage
from polbot.dialogue.render import plain_blocks
from polbot.dialogue.replies import (
    Block,
    BulletList,
    Button,
    Paragraph,
    Reply,
    ReplyKind,
    Span,
)
from polbot.dialogue.replies import Table as TableBlock
from polbot.knowledge.model import HOME, KnowledgeBase, Page, Table, Theme, Tool
from polbot.search.result import Candidate, Passage, SearchResult
from polbot.vocabulary import COMMANDS, CommandName

PART_LIMIT = 1500
"""Characters of one page part: a page part fits comfortably in any chat message."""
MAX_QUESTION_CHARS = 1000
"""Longer messages are not questions; they get a request to ask briefly instead."""
MAX_SUGGESTIONS = 3

_log = logging.getLogger(__name__)
# A sentence ends at . ! or ? followed by a space and a capital or digit, so that
# abbreviations such as "bijv. de" do not end one.
# A sentence ends at . ! or ?, or just after the quote that closes it ("... segregatie.'").
_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?]['’\"”]))\s+(?=[A-Z0-9À-Ý'‘\"(])")
T = TypeVar("T")


class SearchEngine(Protocol):
    """What the assistant needs of the search engine."""

    def search(self, text: str) -> SearchResult: ...

    def passages(self, page_id: str, text: str) -> Sequence[Passage]:
        """The page's passages that match the question, best first."""
        ...


class Observer(Protocol):
    """Told what the assistant decided, for whoever keeps count (metrics, the review store).

    The assistant calls it while it handles an event and knows nothing of what it does; it
    must be quick and must not raise.
    """

    def searched(self, question: str, result: SearchResult) -> None:
        """A typed question and what the engine answered."""

    def rated(self, page_id: str, helpful: bool, offered: tuple[Candidate, ...]) -> None:
        """👍 (``helpful``) or 👎 on the answer ``page_id``; ``offered``: the pages shown
        instead after a 👎."""


class Assistant:
    """Answers events with replies built from the knowledge base and the engine's results.

    >>> assistant = Assistant(kb, Engine(kb))  # doctest: +SKIP
    >>> assistant.handle(Command("start"))  # doctest: +SKIP
    (Reply(blocks=(...), buttons=(Button(label='Beleid & organisatie', ...), ...)),)
    """

    def __init__(self, kb: KnowledgeBase, engine: SearchEngine) -> None:
        self._kb = kb
        self._engine = engine

    def handle(self, event: Event, observer: Observer | None = None) -> tuple[Reply, ...]:
        """The replies to ``event``; bad input gets a polite reply, never an exception.

        ``observer`` is told of each search and each 👍/👎 (see :class:`Observer`).
        """
        match event:
            case TextMessage(text=text):
                return (self._question(text, observer),)
            case Command(name=name):
                return (self._command(name),)
            case ButtonPress(payload=payload):
                return (self._press(payload, observer),)
        raise TypeError(f"not a dialogue event: {type(event).__name__}")

    # --- events -----------------------------------------------------------------------

    def _command(self, name: str) -> Reply:
        # Group chats address commands to a bot: "/start@polbot" is "start".
        command = name.strip().lower().removeprefix("/").partition("@")[0]
        # One answer for each command of the vocabulary (polbot.vocabulary.COMMANDS).
        answers: dict[CommandName, Callable[[], Reply]] = {
            "start": lambda: self._home(markup.parse(self._kb.home.welcome)),
            "menu": lambda: self._home(self._menu_heading()),
            "help": self._help,
            "contact": lambda: self._press(payloads.page("contact")),
            "over": self._about,
        }
        for known in COMMANDS:
            if command == known:
                return answers[known]()
        _log.warning("unknown command (%d characters)", len(command))
        return self._help(self._message("unknown-command"))

    def _press(self, payload: str, observer: Observer | None = None) -> Reply:
        target = payloads.parse(payload)
        match target:
            case payloads.OpenHome():
                return self._home(self._menu_heading())
            case payloads.OpenTheme(theme_id=theme_id) if theme := self._kb.theme(theme_id):
                return self._theme(theme)
            case payloads.OpenPage(page_id=page_id, part=part) if page := self._kb.page(page_id):
                parts = self._page_parts(page)
                if part <= len(parts):
                    return self._page(page, parts, part)
            case payloads.Rate(page_id=page_id, helpful=helpful) if page := self._kb.page(page_id):
                return self._rated(page, helpful, observer)
            case payloads.OpenAction(action="help"):
                return self._help()
            case payloads.OpenAction(action="over"):
                return self._about()
            case payloads.InvalidPayload(size=size):
                _log.warning("button payload does not parse (%d bytes)", size)
                return self._invalid()
        _log.warning("button payload names no page, part or theme of this knowledge base")
        return self._invalid()

    def _question(self, text: str, observer: Observer | None) -> Reply:
        question = text.strip() if isinstance(text, str) else ""
        if not question:
            return self._home(self._message("empty-question"), kind="help")
        if len(question) > MAX_QUESTION_CHARS:
            _log.warning("question too long (%d characters)", len(question))
            lead = self._message("question-too-long", limit=str(MAX_QUESTION_CHARS))
            return self._home(lead, kind="help")
        result = self._engine.search(question)
        if observer is not None:
            observer.searched(question, result)
        page = self._kb.page(result.page_id) if result.page_id else None
        if result.kind == "smalltalk":
            return self._smalltalk(result)
        if result.kind == "answer" and page is not None:
            alternatives = () if result.direct else self._alternatives(result)
            return self._answer(page, alternatives, question)
        return self._fallback(result)

    # --- replies ----------------------------------------------------------------------

    def _home(self, lead: tuple[Block, ...], kind: ReplyKind = "menu") -> Reply:
        buttons = []
        for entry in self._kb.home.menu:
            if entry.theme is not None:
                buttons.append(Button(entry.label, payloads.theme(entry.theme)))
            elif entry.page is not None:
                buttons.append(Button(entry.label, payloads.page(entry.page)))
        return Reply(lead, tuple(buttons), kind=kind)

    def _theme(self, theme: Theme) -> Reply:
        blocks = (
            _heading(theme.label),
            *_prose(theme.intro),
            *self._message("theme-prompt"),
        )
        buttons = tuple(
            Button(page.title, payloads.page(page.id))
            for page in map(self._kb.page, theme.pages)
            if page is not None
        )
        return Reply(blocks, (*buttons, self._home_button()), kind="theme")

    def _page(self, page: Page, parts: Sequence[tuple[Block, ...]], part: int) -> Reply:
        if part < len(parts):
            more = Button(self._kb.message("button-more"), payloads.page(page.id, part + 1))
            onward: tuple[Button, ...] = (more,)
        else:
            onward = self._related_buttons(page)
        buttons = (*onward, *self._theme_button(page), self._home_button())
        return Reply(parts[part - 1], buttons, kind="page", page_id=page.id)

    def _answer(
        self, page: Page, alternatives: tuple[Button, ...] = (), question: str = ""
    ) -> Reply:
        """A page's answer to a question: its summary, then the passage of the page that
        best matches the question, marked as the handbook's; with ``alternatives`` (another
        page is nearly as likely) those pages follow under "Bedoelde u misschien:" instead
        of the page's own way onward."""
        more = Button(self._kb.message("button-more"), payloads.page(page.id))
        blocks: tuple[Block, ...] = (_heading(page.title), *_prose(page.summary))
        passage = self._passage(page, question)
        if passage:
            blocks += (*self._message("answer-passage"), *passage)
        if alternatives:
            blocks += self._message("alternatives")
            buttons = (more, *alternatives)
        else:
            buttons = (more, *self._theme_button(page), *self._related_buttons(page))
        # The question of feedback closes the text; its two buttons come first, right under it.
        blocks += self._message("feedback-prompt")
        direct = not alternatives
        rating = (
            Button(
                self._kb.message("button-helpful"),
                payloads.feedback(page.id, helpful=True, direct=direct),
            ),
            Button(
                self._kb.message("button-not-helpful"),
                payloads.feedback(page.id, helpful=False, direct=direct),
            ),
        )
        kind: ReplyKind = "alternatives" if alternatives else "answer"
        return Reply(blocks, (*rating, *buttons, self._home_button()), kind=kind, page_id=page.id)

    def _rated(self, page: Page, helpful: bool, observer: Observer | None) -> Reply:
        """The reply to 👍 (thanks) or 👎 (the nearest other pages and the helpdesk)."""
        if helpful:
            offered: tuple[Candidate, ...] = ()
            blocks = self._message("feedback-thanks")
            buttons = (*self._theme_button(page), self._home_button())
        else:
            offered = self._nearest(page)
            blocks = self._message("feedback-sorry")
            buttons = (*self._page_buttons(c.id for c in offered), self._home_button())
        if observer is not None:
            observer.rated(page.id, helpful, offered)
        return Reply(blocks, buttons, kind="feedback", page_id=page.id)

    def _nearest(self, page: Page) -> tuple[Candidate, ...]:
        """The pages nearest to ``page``, at most :data:`MAX_SUGGESTIONS`: those the engine
        ranks highest for its title (with their scores), then its related pages.

        A feedback button carries no question (nothing about the user), so the page itself
        is what the others are measured against.
        """
        found = [c for c in self._engine.search(page.title).candidates if c.id != page.id]
        seen = {c.id for c in found}
        found += [Candidate(r, 0.0) for r in page.related if r not in seen and r != page.id]
        return tuple(c for c in found if self._kb.page(c.id) is not None)[:MAX_SUGGESTIONS]

    def _passage(self, page: Page, question: str) -> tuple[Block, ...]:
        """The best matching passage that the summary does not already say, as blocks: a
        paragraph, a list's title and item, or a table's title, header and row."""
        for passage in self._engine.passages(page.id, question) if question else ():
            if passage.kind == "paragraph" and passage.index < len(page.text):
                # What the summary has just said is not said again.
                text = _unsaid(page.summary, page.text[passage.index])
                if text:
                    return (Paragraph(markup.spans(text)),)
            elif passage.kind == "item" and passage.group < len(page.lists):
                item_list = page.lists[passage.group]
                if passage.index < len(item_list.items):
                    item = markup.spans(item_list.items[passage.index])
                    return (_heading(item_list.title), BulletList((item,)))
            elif passage.kind == "row" and passage.group < len(page.tables):
                table = page.tables[passage.group]
                if passage.index < len(table.rows):
                    title = (_heading(table.title),) if table.title else ()
                    return (*title, _table(table, (table.rows[passage.index],)))
        return ()

    def _alternatives(self, result: SearchResult) -> tuple[Button, ...]:
        others = [c.id for c in result.candidates if c.id != result.page_id]
        return self._page_buttons(others)[: MAX_SUGGESTIONS - 1]

    def _fallback(self, result: SearchResult) -> Reply:
        buttons = self._suggestion_buttons(result)
        blocks = self._message("fallback")
        if buttons:
            blocks += self._message("fallback-suggestions")
        return Reply(blocks, (*buttons, self._home_button()), kind="fallback")

    def _smalltalk(self, result: SearchResult) -> Reply:
        intent = next((i for i in self._kb.smalltalk if i.id == result.smalltalk_id), None)
        if intent is None:
            return self._fallback(result)
        # The home menu's buttons are the pointer onward: one press less than "Hoofdmenu".
        return self._home(markup.parse(intent.reply), kind="smalltalk")

    def _help(self, lead: tuple[Block, ...] = ()) -> Reply:
        buttons = [self._home_button()]
        contact = self._kb.page("contact")
        if contact is not None:
            buttons.append(Button(contact.title, payloads.page(contact.id)))
        buttons.append(Button(self._kb.message("button-about"), payloads.action("over")))
        return Reply((*lead, *self._message("help")), tuple(buttons), kind="help")

    def _about(self) -> Reply:
        blocks = self._message("about", title=self._kb.home.title)
        help_ = Button(self._kb.message("button-help"), payloads.action("help"))
        return Reply(blocks, (self._home_button(), help_), kind="help")

    def _invalid(self) -> Reply:
        return self._home(self._message("invalid-payload"), kind="invalid")

    # --- parts ------------------------------------------------------------------------

    def _menu_heading(self) -> tuple[Block, ...]:
        return (_heading(self._kb.home.title), *self._message("menu-prompt"))

    def _message(self, key: str, **fields: str) -> tuple[Block, ...]:
        return markup.parse(self._kb.message(key, **fields))

    def _home_button(self) -> Button:
        return Button(self._kb.message("button-home"), payloads.home())

    def _theme_button(self, page: Page) -> tuple[Button, ...]:
        """ "Terug naar <theme>" for a page in a theme; nothing for a home page."""
        theme = self._kb.theme(page.theme) if page.theme != HOME else None
        if theme is None:
            return ()
        label = self._kb.message("button-back", theme=theme.label)
        return (Button(label, payloads.theme(theme.id)),)

    def _related_buttons(self, page: Page) -> tuple[Button, ...]:
        return self._page_buttons(page.related)

    def _suggestion_buttons(self, result: SearchResult) -> tuple[Button, ...]:
        ids = [result.page_id] if result.page_id else []
        ids += [candidate.id for candidate in result.candidates]
        return self._page_buttons(dict.fromkeys(ids))[:MAX_SUGGESTIONS]

    def _page_buttons(self, page_ids: Iterable[str]) -> tuple[Button, ...]:
        pages = (self._kb.page(page_id) for page_id in page_ids)
        return tuple(Button(page.title, payloads.page(page.id)) for page in pages if page)

    def _page_parts(self, page: Page) -> tuple[tuple[Block, ...], ...]:
        """The page as message-sized parts, cut only between paragraphs, sentences or items.

        The first part opens with the title and summary, each later one with
        "<title> (vervolg)"; related pages and the way back are buttons, not text. Lists and
        tables follow the first paragraph that ends with a colon ("Denk hierbij aan:"), as
        in the handbook, or else the text.
        """
        continued = _heading(self._kb.message("page-continued", title=page.title))
        limit = PART_LIMIT - len(plain_blocks((continued,))) - 2
        units: list[tuple[Block, ...]] = [(_heading(page.title), *_summary_unless_in_text(page))]
        lead_in = next(
            (n for n, paragraph in enumerate(page.text) if paragraph.rstrip().endswith(":")),
            len(page.text) - 1,
        )
        for number, paragraph in enumerate(page.text):
            sentences = _SENTENCE_END.split(" ".join(paragraph.split()))
            for group in _grouped(sentences, lambda g: len(" ".join(g)), limit):
                units.append((Paragraph(markup.spans(" ".join(group))),))
            if number == lead_in:
                units += _list_and_table_units(page, limit)
        if page.tools:
            title = (_heading(self._kb.message("page-tools")),)
            units += _list_units(title, tuple(map(_tool_item, page.tools)), limit)
        if page.sources:
            title = (_heading(self._kb.message("page-sources")),)
            units += _list_units(title, tuple(map(markup.spans, page.sources)), limit)
        groups = _grouped(units, lambda g: len(plain_blocks(_flat(g))), limit)
        first, *rest = (_flat(group) for group in groups)
        return (first, *((continued, *part) for part in rest))


def _list_and_table_units(page: Page, limit: int) -> list[tuple[Block, ...]]:
    units: list[tuple[Block, ...]] = []
    for item_list in page.lists:
        items = tuple(markup.spans(item) for item in item_list.items)
        units += _list_units((_heading(item_list.title),), items, limit)
    for table in page.tables:
        title = (_heading(table.title),) if table.title else ()
        units += _table_units(title, table, limit)
    return units


def _summary_unless_in_text(page: Page) -> tuple[Paragraph, ...]:
    """The summary, unless the full text already says it word for word.

    Summaries are mostly the handbook's own opening sentences; repeating them right above
    the same sentences would only make the page longer.
    """
    return () if _says(" ".join(page.text), page.summary) else _prose(page.summary)


def _says(text: str, part: str) -> bool:
    """Whether ``text`` has every sentence of ``part`` word for word."""
    return not _unsaid(text, part)


def _unsaid(text: str, part: str) -> str:
    """The sentences of ``part`` that ``text`` does not have word for word, in order.

    >>> _unsaid("Zo is het. Echt.", "Zo is het. En ook 'zo.' Echt. Klaar!")
    "En ook 'zo.' Klaar!"
    """
    whole = " ".join(text.split())
    sentences = _SENTENCE_END.split(" ".join(part.split()))
    return " ".join(sentence for sentence in sentences if sentence not in whole)


def _heading(text: str) -> Paragraph:
    return Paragraph(markup.spans(text, bold=True))


def _prose(text: str) -> tuple[Paragraph, ...]:
    """Handbook text with blank-line separated paragraphs, verbatim apart from links."""
    return tuple(Paragraph(markup.spans(p)) for p in re.split(r"\n\s*\n", text) if p.strip())


def _tool_item(tool: Tool) -> tuple[Span, ...]:
    name = Span(tool.name, bold=True, link=tool.url)
    if tool.description is None:
        return (name,)
    return (name, Span(": "), *markup.spans(tool.description))


def _table(table: Table, rows: Sequence[tuple[str, ...]]) -> TableBlock:
    """``rows`` of a handbook table as a table block under the table's header, each row as
    wide as the header (a short row gets empty cells)."""
    width = len(table.columns)
    return TableBlock(
        tuple(markup.spans(column, bold=True) for column in table.columns),
        tuple(tuple(markup.spans(cell) for cell in (*row, *("",) * width)[:width]) for row in rows),
    )


def _table_units(title: tuple[Block, ...], table: Table, limit: int) -> list[tuple[Block, ...]]:
    """A titled table as units that each fit a part; each repeats the header, the title
    stays with the first rows."""

    def measure(group: Sequence[tuple[str, ...]]) -> int:
        return len(plain_blocks((*title, _table(table, group))))

    groups = _grouped(table.rows, measure, limit)
    return [
        (*(title if index == 0 else ()), _table(table, group)) for index, group in enumerate(groups)
    ]


def _list_units(
    title: tuple[Block, ...], items: tuple[tuple[Span, ...], ...], limit: int
) -> list[tuple[Block, ...]]:
    """A titled list as units that each fit a part; the title stays with the first items."""

    def measure(group: Sequence[tuple[Span, ...]]) -> int:
        return len(plain_blocks((*title, BulletList(tuple(group)))))

    groups = _grouped(items, measure, limit)
    return [
        (*(title if index == 0 else ()), BulletList(group)) for index, group in enumerate(groups)
    ]


def _grouped(
    pieces: Sequence[T], measure: Callable[[Sequence[T]], int], limit: int
) -> list[tuple[T, ...]]:
    """Consecutive pieces grouped greedily so that ``measure(group) <= limit``.

    A single piece larger than ``limit`` becomes a group of its own: a part may run long,
    but a sentence or item is never cut.
    """
    groups: list[tuple[T, ...]] = []
    current: list[T] = []
    for piece in pieces:
        if current and measure([*current, piece]) > limit:
            groups.append(tuple(current))
            current = []
        current.append(piece)
    if current:
        groups.append(tuple(current))
    return groups


def _flat(units: Sequence[tuple[Block, ...]]) -> tuple[Block, ...]:
    return tuple(block for unit in units for block in unit)
