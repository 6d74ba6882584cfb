"""A knowledge folder of YAML files -> one validated, read-only :class:`KnowledgeBase`."""

from __future__ import annotations

import os
from pathlib import Path

from polbot.errors import KnowledgeError, KnowledgeFolderNotFoundError, Problem
from polbot.knowledge.crosscheck import check_folder
from polbot.knowledge.model import KnowledgeBase, KnowledgeFile
from polbot.knowledge.validation import validate_file
from polbot.knowledge.yamlsource import Source, read_source


def load_knowledge(folder: str | os.PathLike[str]) -> KnowledgeBase:
    """Load every top-level ``*.yaml`` file of ``folder`` (sorted by name) and check it all.

    Raises :class:`KnowledgeError` listing every problem of the load, each with its file
    (shown relative to ``folder`` as given), line and field; :class:`KnowledgeFolderNotFoundError`
    when ``folder`` is not a folder.
    """
    folder_path = Path(folder)
    shown = os.fspath(folder)
    if not folder_path.is_dir():
        raise KnowledgeFolderNotFoundError([Problem(shown, None, "", "no such folder")])
    # Names starting with "." are editor backups and lock files, not knowledge.
    paths = sorted(
        path
        for path in folder_path.glob("*.yaml")
        if path.is_file() and not path.name.startswith(".")
    )
    if not paths:
        raise KnowledgeError([Problem(shown, None, "", "no *.yaml files in this folder")])

    problems: list[Problem] = []
    valid: list[tuple[Source, KnowledgeFile]] = []
    broken: list[Source] = []
    for path in paths:
        source, found = read_source(path, os.fspath(folder_path / path.name))
        problems += found
        if source is None:
            continue
        knowledge_file, found = validate_file(source)
        problems += found
        if knowledge_file is None:
            broken.append(source)
        else:
            valid.append((source, knowledge_file))
    problems += check_folder(
        valid, broken, shown, all_parsed=len(valid) + len(broken) == len(paths)
    )
    if problems:
        raise KnowledgeError(problems)
    return _assemble([knowledge_file for _, knowledge_file in valid])


def _assemble(files: list[KnowledgeFile]) -> KnowledgeBase:
    """Merge checked files; the menus give the order of themes and pages."""
    (home,) = (kf.home for kf in files if kf.home)
    themes = {kf.theme.id: kf.theme for kf in files if kf.theme}
    pages = {page.id: page for kf in files for page in kf.pages}
    ordered_themes = tuple(themes[entry.theme] for entry in home.menu if entry.theme)
    page_order = home.pages + tuple(page_id for theme in ordered_themes for page_id in theme.pages)
    return KnowledgeBase(
        home=home,
        themes=ordered_themes,
        pages=tuple(pages[page_id] for page_id in page_order),
        synonyms=tuple(group for kf in files for group in kf.synonyms),
        abbreviations={key: value for kf in files for key, value in kf.abbreviations.items()},
        smalltalk=tuple(intent for kf in files for intent in kf.smalltalk),
        messages={key: value for kf in files for key, value in kf.messages.items()},
    )
