"""Checks that span files: unique ids, references that resolve, every page in one menu.

The schema checks each file on its own; these checks need the whole folder. They run on the
files that passed the schema. The ids a broken file declares still count as known, so one
broken file does not drown the report in "unknown page" errors elsewhere; and the checks
that something is missing (a page in no menu, no home) wait until every file is valid,
because the missing piece may be in the broken file, and until there is one home menu.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from polbot.errors import Problem
from polbot.knowledge.locations import Loc
from polbot.knowledge.messages import message_problems
from polbot.knowledge.model import HOME, Home, KnowledgeFile, Page, Theme
from polbot.knowledge.yamlsource import Source


@dataclass(frozen=True)
class Place:
    """A value at ``loc`` in the file ``source``."""

    source: Source
    loc: Loc

    def problem(self, message: str) -> Problem:
        return self.source.problem(self.loc, message)

    def __str__(self) -> str:
        return f"{self.source.file}:{self.source.line(self.loc)}"


def check_folder(
    valid: Sequence[tuple[Source, KnowledgeFile]],
    broken: Sequence[Source],
    folder: str,
    *,
    all_parsed: bool,
) -> list[Problem]:
    """Every problem between the ``valid`` files.

    ``broken`` are the files that failed the schema; ``all_parsed`` is false when a file is
    not even valid YAML, so nobody knows which ids it declares: then only duplicates are
    checked.
    """
    problems: list[Problem] = []
    pages = _unique(
        "page id",
        (
            (Place(src, ("pages", i, "id")), page.id, page)
            for src, kf in valid
            for i, page in enumerate(kf.pages)
        ),
        problems,
    )
    themes = _unique(
        "theme id",
        ((Place(src, ("theme", "id")), kf.theme.id, kf.theme) for src, kf in valid if kf.theme),
        problems,
    )
    homes = _unique(
        "section",  # there is one home menu
        ((Place(src, ("home",)), HOME, kf.home) for src, kf in valid if kf.home),
        problems,
    )
    _unique(
        "smalltalk id",
        (
            (Place(src, ("smalltalk", i, "id")), intent.id, intent)
            for src, kf in valid
            for i, intent in enumerate(kf.smalltalk)
        ),
        problems,
    )
    for section, what in (("messages", "message key"), ("abbreviations", "abbreviation")):
        _unique(
            what,
            (
                (Place(src, (section, key)), key, key)
                for src, kf in valid
                for key in getattr(kf, section)
            ),
            problems,
        )

    # A missing text may be in a broken file: only a folder of valid files lacks it for sure.
    problems += message_problems(valid, folder, complete=all_parsed and not broken)
    if not all_parsed:
        return problems
    page_ids = set(pages).union(*(_declared(src, "pages") for src in broken))
    theme_ids = set(themes).union(*(_declared(src, "theme") for src in broken))
    listings = list(_listings(valid))
    problems += _unknown_references(valid, listings, page_ids, theme_ids)
    # Which menu counts is unclear while a second home exists: report that first.
    if not broken and sum(1 for _, kf in valid if kf.home) <= 1:
        problems += _menu_problems(pages, themes, homes, listings, folder)
    return problems


T = TypeVar("T")


def _unique(
    what: str, entries: Iterable[tuple[Place, str, T]], problems: list[Problem]
) -> dict[str, tuple[Place, T]]:
    """The first occurrence of each key; every later one is a problem naming the first."""
    first: dict[str, tuple[Place, T]] = {}
    for place, key, item in entries:
        if key in first:
            problems.append(place.problem(f"duplicate {what} {key!r}: first at {first[key][0]}"))
        else:
            first[key] = (place, item)
    return first


def _declared(source: Source, section: str) -> set[str]:
    """The ids a broken file declares, read leniently from its plain data."""
    data = source.data if isinstance(source.data, dict) else {}
    items = data.get(section)
    items = items if isinstance(items, list) else [items]
    return {
        item["id"] for item in items if isinstance(item, dict) and isinstance(item.get("id"), str)
    }


@dataclass(frozen=True)
class _Listing:
    """A menu that lists a page: ``owner`` is the theme id, or ``home``."""

    place: Place
    owner: str
    page_id: str


def _listings(valid: Sequence[tuple[Source, KnowledgeFile]]) -> Iterable[_Listing]:
    for src, kf in valid:
        if kf.theme:
            for j, page_id in enumerate(kf.theme.pages):
                yield _Listing(Place(src, ("theme", "pages", j)), kf.theme.id, page_id)
        if kf.home:
            for j, page_id in enumerate(kf.home.pages):
                yield _Listing(Place(src, ("home", "pages", j)), HOME, page_id)


def _unknown_references(
    valid: Sequence[tuple[Source, KnowledgeFile]],
    listings: Sequence[_Listing],
    page_ids: set[str],
    theme_ids: set[str],
) -> list[Problem]:
    refs: list[tuple[Place, str, str]] = [(lst.place, "page", lst.page_id) for lst in listings]
    for src, kf in valid:
        for i, page in enumerate(kf.pages):
            if page.theme != HOME:
                refs.append((Place(src, ("pages", i, "theme")), "theme", page.theme))
            refs += [
                (Place(src, ("pages", i, "related", j)), "page", r)
                for j, r in enumerate(page.related)
            ]
        if kf.home:
            for k, entry in enumerate(kf.home.menu):
                kind, target = ("theme", entry.theme) if entry.theme else ("page", entry.page or "")
                refs.append((Place(src, ("home", "menu", k, kind)), kind, target))
    problems = []
    for place, kind, target in refs:
        known = page_ids if kind == "page" else theme_ids
        if target not in known:
            close = difflib.get_close_matches(target, sorted(known), n=1)
            guess = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(place.problem(f"unknown {kind} {target!r}{guess}"))
    return problems


def _menu_problems(
    pages: dict[str, tuple[Place, Page]],
    themes: dict[str, tuple[Place, Theme]],
    homes: dict[str, tuple[Place, Home]],
    listings: Sequence[_Listing],
    folder: str,
) -> list[Problem]:
    """Every page is listed exactly once, by the menu of its own theme (or home)."""
    problems: list[Problem] = []
    if not homes:
        problems.append(Problem(folder, None, "", "no file has a home: section (the home menu)"))
    listed: dict[str, _Listing] = {}
    for listing in listings:
        if listing.page_id not in pages:
            continue  # already reported as an unknown page
        own = pages[listing.page_id][1].theme
        if own != listing.owner and (own == HOME or own in themes):
            problems.append(
                listing.place.problem(
                    f"page {listing.page_id!r} belongs to {_menu_name(own)} (its theme: field), "
                    f"not to {_menu_name(listing.owner)}"
                )
            )
        elif listing.page_id in listed:
            first = listed[listing.page_id].place
            problems.append(
                listing.place.problem(f"page {listing.page_id!r} is listed twice; first at {first}")
            )
        elif own == listing.owner:
            listed[listing.page_id] = listing
    for page_id, (place, page) in pages.items():
        if page_id not in listed and (page.theme == HOME or page.theme in themes):
            where = "home: pages:" if page.theme == HOME else f"the pages: of theme {page.theme!r}"
            problems.append(place.problem(f"page {page_id!r} is in no menu: add it to {where}"))
    return problems + _home_menu_problems(themes, homes)


def _home_menu_problems(
    themes: dict[str, tuple[Place, Theme]], homes: dict[str, tuple[Place, Home]]
) -> list[Problem]:
    """The home menu opens each theme once; a theme missing from it is unreachable."""
    problems: list[Problem] = []
    in_menu: dict[tuple[str, str | None], Place] = {}
    for place, home in homes.values():
        for k, entry in enumerate(home.menu):
            here = Place(place.source, ("home", "menu", k))
            target = ("theme", entry.theme) if entry.theme else ("page", entry.page)
            if target in in_menu:
                kind, target_id = target
                first = in_menu[target]
                problems.append(
                    here.problem(f"{kind} {target_id!r} is twice in the menu; first at {first}")
                )
            else:
                in_menu[target] = here
    for theme_id, (place, _) in themes.items():
        if homes and ("theme", theme_id) not in in_menu:
            problems.append(
                place.problem(f"theme {theme_id!r} is not in the home menu: add it to home: menu:")
            )
    return problems


def _menu_name(owner: str) -> str:
    return "the home menu" if owner == HOME else f"theme {owner!r}"
