"""Where a value sits inside one knowledge file, said so a content editor can find it."""

from __future__ import annotations

Loc = tuple[str | int, ...]
"""Where a value sits inside one file: ``("pages", 3, "questions")``."""


def format_path(loc: Loc) -> str:
    """``("pages", 3, "questions")`` -> ``pages[3].questions``; list items count from 0.

    >>> format_path(("pages", 3, "questions"))
    'pages[3].questions'
    """
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path
