"""What goes wrong when a knowledge folder is loaded, said so a content editor can fix it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

Loc = tuple[str | int, ...]
"""Where a value sits inside one file: ``("pages", 3, "questions")``."""


def format_path(loc: Loc) -> str:
    """``("pages", 3, "questions")`` -> ``pages[3].questions``; list items count from 0."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the knowledge base, and exactly where it is.

    ``file`` is the file as the caller named it (``knowledge/preventie.yaml``), or the folder
    for a problem of the whole folder; ``line`` counts from 1 and is ``None`` for a problem
    of the whole folder or an unreadable file; ``path`` is the field inside the file, like
    ``pages[3].questions`` (empty for the file as a whole); ``column`` is only known for YAML
    syntax errors.
    """

    file: str
    line: int | None
    path: str
    message: str
    column: int | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"

    def sort_key(self) -> tuple[str, int, int]:
        return (self.file, self.line or 0, self.column or 0)


class KnowledgeError(Exception):
    """The knowledge base cannot be loaded; ``problems`` lists everything that is wrong."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        # sorted() is stable: problems on the same line keep the order they were found in.
        self.problems: tuple[Problem, ...] = tuple(sorted(problems, key=Problem.sort_key))
        super().__init__("\n".join(str(problem) for problem in self.problems))


class KnowledgeFolderNotFound(KnowledgeError):
    """The knowledge folder does not exist (or is not a folder)."""
