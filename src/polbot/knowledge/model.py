"""The typed, immutable model of the knowledge base.

One YAML file is a :class:`KnowledgeFile`; the loader validates each file against it, checks
the references between files, and assembles a :class:`KnowledgeBase`. Nothing downstream of
the loader reads YAML.

Every model forbids unknown keys and is frozen, so a typo in a key is an error and nobody
can change the knowledge base after it was loaded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

TEXT_PATTERN = r"\S"
ID_PATTERN = r"^[a-z0-9-]+$"
URL_PATTERN = r"^https?://\S+$"

# A text a person reads or writes: at least one character that is not white space.
Text = Annotated[str, StringConstraints(pattern=TEXT_PATTERN)]
# Stable ids of pages, themes and smalltalk intents: they appear in payloads and logs.
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]

HOME = "home"
"""The ``theme`` value of pages that hang off the home menu instead of a theme."""


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tool(_Frozen):
    """An instrument or document the handbook names; the export lost the links."""

    name: Text
    description: Text | None = None
    url: Annotated[str, StringConstraints(pattern=URL_PATTERN)] | None = None


class ItemList(_Frozen):
    """A titled list on a page, such as "Mogelijke partners"."""

    title: Text
    items: tuple[Text, ...] = Field(min_length=1)


class Table(_Frozen):
    """A table on a page, such as the extern/intern partners of signalering."""

    title: Text | None = None
    columns: tuple[Text, ...] = Field(min_length=1)
    rows: tuple[tuple[str, ...], ...] = Field(min_length=1)


class Page(_Frozen):
    """One page of the handbook, as a chat answer shows it."""

    id: Id
    title: Text
    theme: Id
    """The id of the theme whose menu lists this page, or ``home``."""
    summary: Text
    """The short answer: one to three sentences in the handbook's words."""
    text: tuple[Text, ...] = Field(min_length=1)
    """The full text, one string per paragraph."""
    lists: tuple[ItemList, ...] = ()
    tables: tuple[Table, ...] = ()
    tools: tuple[Tool, ...] = ()
    sources: tuple[Text, ...] = ()
    """Publications the page cites."""
    related: tuple[Id, ...] = ()
    """Ids of pages worth offering next to this one."""
    questions: tuple[Text, ...] = Field(min_length=5, max_length=10)
    """Example questions in the users' own words; the search engine learns from them."""

    @model_validator(mode="after")
    def _not_related_to_itself(self) -> Page:
        if self.id in self.related:
            raise ValueError(f"page {self.id!r} lists itself as related")
        return self


class Theme(_Frozen):
    """One of the handbook's four themes, with its pages in the handbook's order."""

    id: Id
    label: Text
    """The label of the theme's button in the menu."""
    intro: Text
    pages: tuple[Id, ...] = Field(min_length=1)

    @field_validator("id")
    @classmethod
    def _not_home(cls, value: str) -> str:
        if value == HOME:
            raise ValueError(f"{HOME!r} is reserved for the home menu; a theme needs another id")
        return value


class MenuEntry(_Frozen):
    """A button of the home menu: opens exactly one theme or one page."""

    label: Text
    theme: Id | None = None
    page: Id | None = None

    @model_validator(mode="after")
    def _opens_one_thing(self) -> MenuEntry:
        if (self.theme is None) == (self.page is None):
            raise ValueError("a menu entry opens exactly one thing: give either theme: or page:")
        return self


class Home(_Frozen):
    """The home menu and the pages that hang off it."""

    title: Text
    """The handbook's title."""
    welcome: Text
    """What the assistant says on /start: what it can do and how."""
    menu: tuple[MenuEntry, ...] = Field(min_length=1)
    pages: tuple[Id, ...] = Field(min_length=1)
    """The pages whose ``theme`` is ``home``, in order."""


class SmalltalkIntent(_Frozen):
    """Greetings, thanks, goodbyes: recognised from examples, answered with a reply."""

    id: Id
    examples: tuple[Text, ...] = Field(min_length=1)
    reply: Text


class KnowledgeFile(_Frozen):
    """What one YAML file of the knowledge folder may hold. Every section is optional."""

    home: Home | None = None
    theme: Theme | None = None
    pages: tuple[Page, ...] = ()
    synonyms: tuple[tuple[Text, ...], ...] = ()
    """Groups of words and phrases that mean the same to a user of this handbook."""
    abbreviations: dict[Text, Text] = Field(default_factory=dict)
    """Abbreviation -> what it stands for (IVP -> Integraal Veiligheidsplan)."""
    smalltalk: tuple[SmalltalkIntent, ...] = ()
    messages: dict[Id, Text] = Field(default_factory=dict)
    """Texts of the conversation (menus, fallback, help), by key."""


@dataclass(frozen=True, eq=False)
class KnowledgeBase:
    """The whole validated knowledge base; read-only.

    Built by :func:`polbot.knowledge.load_knowledge`, which guarantees that every reference
    resolves: every page is in exactly one menu, every theme has pages, and so on. A variant
    (to measure what a change of content does, such as an example question left out) is
    ``dataclasses.replace(kb, pages=...)``. Compared and hashed by identity, as before: its
    mappings are not hashable.
    """

    home: Home
    themes: tuple[Theme, ...]
    """The themes in the order of the home menu."""
    pages: tuple[Page, ...]
    """All pages: home pages first, then each theme's pages in the handbook's order."""
    synonyms: tuple[tuple[str, ...], ...]
    abbreviations: Mapping[str, str]
    smalltalk: tuple[SmalltalkIntent, ...]
    messages: Mapping[str, str]
    _pages_by_id: Mapping[str, Page] = field(init=False, repr=False)
    _themes_by_id: Mapping[str, Theme] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # A frozen dataclass sets its own fields only this way; from here on it cannot.
        set_ = object.__setattr__
        pages = {page.id: page for page in self.pages}
        themes = {theme.id: theme for theme in self.themes}
        set_(self, "_pages_by_id", MappingProxyType(pages))
        set_(self, "_themes_by_id", MappingProxyType(themes))
        set_(self, "pages", tuple(pages.values()))
        set_(self, "themes", tuple(themes.values()))
        set_(self, "abbreviations", MappingProxyType(dict(self.abbreviations)))
        set_(self, "messages", MappingProxyType(dict(self.messages)))

    def page(self, page_id: str) -> Page | None:
        return self._pages_by_id.get(page_id)

    def theme(self, theme_id: str) -> Theme | None:
        return self._themes_by_id.get(theme_id)

    def message(self, key: str, **fields: str) -> str:
        """The conversation text ``key`` with ``{name}`` fields filled in (``{{`` is a brace).

        >>> kb.message("button-back", theme="Signalering")  # doctest: +SKIP
        """
        try:
            template = self.messages[key]
        except KeyError:
            raise KeyError(f"knowledge base has no message {key!r}") from None
        return template.format(**fields)
