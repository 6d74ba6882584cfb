"""The content rules ``polbot validate`` checks beyond what the loader needs to load a folder.

The loader refuses what cannot serve (:func:`polbot.knowledge.load_knowledge`); these rules
keep the content good, and the test suite enforces them on the bundled knowledge base, so
a content owner who runs ``polbot validate`` alone sees what ``make test`` would say:

- an example question on two pages (the engine cannot tell the pages apart by it);
- fewer than :data:`MIN_QUESTIONS` or more than :data:`MAX_QUESTIONS` example questions;
- a sentence of the handbook (``source/aanpak-polarisatie.txt``) on no page, or on another
  page than the one under whose heading it stands in the handbook;
- a summary that is not one to three sentences of the handbook's own words;
- a ``.yml`` file, which the loader ignores.

Each problem names its file and line and says what to do.
"""

from __future__ import annotations

from pathlib import Path

from polbot.errors import Problem
from polbot.knowledge.coverage import (
    handbook_texts,
    missing_sentences,
    normalise,
    question_key,
    source_sections,
    source_sentences,
    split_sentences,
)
from polbot.knowledge.model import KnowledgeBase, Page
from polbot.knowledge.yamlsource import Loc, Source, read_source

MIN_QUESTIONS = 8
"""Example questions a page should have at least (the loader refuses fewer than 5)."""
MAX_QUESTIONS = 10
"""Example questions a page may have at most (the loader refuses more as well)."""
HANDBOOK = Path("source") / "aanpak-polarisatie.txt"
"""The handbook's text, beside the knowledge files, that no sentence of may be lost."""


def content_problems(folder: Path, kb: KnowledgeBase, shown: str | None = None) -> list[Problem]:
    """Every content rule ``kb`` (loaded from ``folder``, named ``shown`` in problems)
    breaks, in file and line order."""
    shown = shown if shown is not None else str(folder)
    sources = _page_sources(folder, shown)
    problems = _ignored_files(folder, shown)
    problems += _question_problems(kb, sources)
    handbook = folder / HANDBOOK
    if handbook.is_file():
        text = handbook.read_text(encoding="utf-8")
        problems += _handbook_problems(kb, text, sources, f"{shown.rstrip('/')}/{HANDBOOK}")
    return sorted(problems, key=Problem.sort_key)


def _page_sources(folder: Path, shown: str) -> dict[str, tuple[Source, int]]:
    """Each page id -> the file that declares it and the page's index in its ``pages``."""
    found: dict[str, tuple[Source, int]] = {}
    for path in sorted(folder.glob("*.yaml")):
        source, _ = read_source(path, f"{shown.rstrip('/')}/{path.name}")
        pages = source.data.get("pages") if source and isinstance(source.data, dict) else None
        for index, page in enumerate(pages if isinstance(pages, list) else []):
            if isinstance(page, dict) and isinstance(page.get("id"), str) and source:
                found.setdefault(page["id"], (source, index))
    return found


def _at(sources: dict[str, tuple[Source, int]], page: Page, *rest: str | int) -> Problem:
    source, index = sources[page.id]
    loc: Loc = ("pages", index, *rest)
    return source.problem(loc, "")


def _problem(
    sources: dict[str, tuple[Source, int]], page: Page, message: str, *rest: str | int
) -> Problem:
    where = _at(sources, page, *rest)
    return Problem(where.file, where.line, where.path, message)


def _ignored_files(folder: Path, shown: str) -> list[Problem]:
    return [
        Problem(
            f"{shown.rstrip('/')}/{path.name}",
            None,
            "",
            f"ignored: polbot reads only *.yaml files; rename it to {path.stem}.yaml",
        )
        for path in sorted(folder.glob("*.yml"))
        if not path.name.startswith(".")
    ]


def _question_problems(kb: KnowledgeBase, sources: dict[str, tuple[Source, int]]) -> list[Problem]:
    problems: list[Problem] = []
    first: dict[str, tuple[Page, int]] = {}
    for page in kb.pages:
        if page.id not in sources:
            continue
        count = len(page.questions)
        if not MIN_QUESTIONS <= count <= MAX_QUESTIONS:
            what = "add" if count < MIN_QUESTIONS else "remove"
            problems.append(
                _problem(
                    sources,
                    page,
                    f"has {count} example questions; a page needs {MIN_QUESTIONS} to "
                    f"{MAX_QUESTIONS}: {what} some, in the words users would ask",
                    "questions",
                )
            )
        for number, question in enumerate(page.questions):
            key = question_key(question)
            if key in first and first[key][0].id != page.id:
                other, other_number = first[key]
                there = _at(sources, other, "questions", other_number)
                problems.append(
                    _problem(
                        sources,
                        page,
                        f"the same example question as page {other.id!r} ({there.file}:"
                        f"{there.line}): keep it on the one page that answers it",
                        "questions",
                        number,
                    )
                )
            first.setdefault(key, (page, number))
    return problems


def _handbook_problems(
    kb: KnowledgeBase, text: str, sources: dict[str, tuple[Source, int]], handbook: str
) -> list[Problem]:
    problems: list[Problem] = []
    raw_lines = text.splitlines()

    def line_of(sentence: str) -> int | None:
        words = normalise(sentence).split()[:6]
        for number, raw in enumerate(raw_lines, start=1):
            if words and " ".join(words[:3]) in normalise(raw):
                return number
        return None

    everything = handbook_texts(kb.home, *kb.themes, *kb.pages)
    lost = set(missing_sentences(source_sentences(text), everything))
    for sentence in sorted(lost, key=lambda s: line_of(s) or 0):
        problems.append(
            Problem(
                handbook,
                line_of(sentence),
                "",
                f"this sentence of the handbook is on no page: put it back, word for word, "
                f"on the page under whose heading it stands: {sentence[:80]!r}",
            )
        )

    # Each sentence on the page under whose heading it stands (the home texts before any).
    pages = {page.id: page for page in kb.pages}
    sections = source_sections(text, {page.title: page.id for page in kb.pages})
    for owner, sentences in sections.items():
        texts = handbook_texts(kb.home) if owner is None else handbook_texts(pages[owner])
        for sentence in missing_sentences(sentences, texts):
            if sentence in lost:
                continue
            where = f"page {owner!r}" if owner else "the home texts (home.yaml)"
            problems.append(
                Problem(
                    handbook,
                    line_of(sentence),
                    "",
                    f"this sentence stands under the heading of {where} in the handbook but "
                    f"is on another page: move it back there: {sentence[:80]!r}",
                )
            )

    handbook_sentences = source_sentences(text)
    for page in kb.pages:
        if page.id not in sources:
            continue
        sentences = split_sentences(" ".join(page.summary.split()))
        reworded = missing_sentences([s.rstrip(".") for s in sentences], handbook_sentences)
        if not 1 <= len(sentences) <= 3 or reworded:
            problems.append(
                _problem(
                    sources,
                    page,
                    f"the summary has {len(sentences)} sentence(s)"
                    + (f", {len(reworded)} not in the handbook's words" if reworded else "")
                    + ": use one to three sentences copied from the page's handbook text",
                    "summary",
                )
            )
    return problems
