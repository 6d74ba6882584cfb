"""Reading one YAML file into plain data while remembering the line of every value.

``yaml.safe_load`` forgets where a value came from and silently keeps the last of two equal
keys. This module walks PyYAML's node tree instead (its C parser when available), so that
every later error can name the line to fix, and a duplicate key is an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from polbot.errors import Problem
from polbot.knowledge.locations import Loc, format_path

# The C parser is several times faster; the pure-Python one gives the same nodes and marks.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"


@dataclass(frozen=True)
class Source:
    """One parsed file: its plain data and the line of every value in it.

    ``lines`` maps a path such as ``("pages", 3, "questions")`` to a line counted from 1:
    for an entry of a mapping the line of its key, for an item of a list the line of the item.
    """

    file: str
    data: object
    lines: dict[Loc, int]

    def line(self, loc: Loc) -> int:
        """The line of the value at ``loc``, or of its nearest enclosing value that exists.

        A missing field thus points at the mapping that lacks it.
        """
        while loc not in self.lines:
            loc = loc[:-1]
        return self.lines[loc]

    def problem(self, loc: Loc, message: str) -> Problem:
        """A :class:`Problem` at the value ``loc`` of this file."""
        return Problem(self.file, self.line(loc), format_path(loc), message)


def read_source(path: Path, file: str) -> tuple[Source | None, list[Problem]]:
    """Parse the YAML file ``path``, shown as ``file`` in problems.

    Returns the source (``None`` when the file cannot be parsed at all) and the problems
    found while reading it: an unreadable file, syntax errors, duplicate keys, values YAML
    cannot construct.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Problem(file, None, "", f"cannot read the file: {exc.strerror}")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        return None, [Problem(file, line, "", "the file is not UTF-8 text; save it as UTF-8")]
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return Source(file, None, {(): 1}), []
        return _Walker(loader, file, budget=len(text)).source(root)
    except _AliasBombError as exc:
        message = (
            "YAML aliases (*name) here repeat more values than the file has characters; "
            "write the values out instead"
        )
        return None, [Problem(file, exc.line, "", message)]
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_problem(file, exc)]
    except yaml.reader.ReaderError as exc:  # a control character, which YAML forbids
        line = text.count("\n", 0, exc.position) + 1
        return None, [Problem(file, line, "", f"YAML syntax error: {exc.reason}")]
    finally:
        loader.dispose()


def _syntax_problem(file: str, exc: yaml.MarkedYAMLError) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    message = f"YAML syntax error: {exc.problem or exc.context}"
    if exc.context and exc.problem and exc.context_mark:
        message += f" ({exc.context} at line {exc.context_mark.line + 1})"
    if mark is None:
        return Problem(file, 1, "", message)
    return Problem(file, mark.line + 1, "", message, column=mark.column + 1)


class _AliasBombError(Exception):
    """Aliases of aliases expand exponentially ("billion laughs"): walking would not end."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


class _Walker:
    """Turns a node tree into plain data, recording lines and problems on the way.

    Without aliases every value takes at least one character of the file, so ``budget``
    (the file's length) bounds the values walked; aliases may reuse values within it.
    """

    def __init__(self, loader: yaml.SafeLoader, file: str, budget: int) -> None:
        self._loader = loader
        self._file = file
        self._budget = budget
        self._lines: dict[Loc, int] = {}
        self._problems: list[Problem] = []
        self._open: set[int] = set()  # ids of the collections being walked, to stop alias loops

    def source(self, root: yaml.Node) -> tuple[Source, list[Problem]]:
        data = self._plain(root, ())
        return Source(self._file, data, self._lines), self._problems

    def _problem(self, node: yaml.Node, loc: Loc, message: str) -> None:
        self._problems.append(
            Problem(self._file, node.start_mark.line + 1, format_path(loc), message)
        )

    def _plain(self, node: yaml.Node, loc: Loc) -> object:
        self._budget -= 1
        if self._budget < 0:
            raise _AliasBombError(node.start_mark.line + 1)
        self._lines.setdefault(loc, node.start_mark.line + 1)
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, loc)
        if id(node) in self._open:
            self._problem(node, loc, "this YAML alias refers to a value that contains it")
            return None
        expected = _MAP_TAG if isinstance(node, yaml.MappingNode) else _SEQ_TAG
        if node.tag != expected:
            self._problem(node, loc, f"unsupported YAML tag {node.tag!r}")
            return None
        self._open.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, loc)
            return [self._plain(item, (*loc, index)) for index, item in enumerate(node.value)]
        finally:
            self._open.discard(id(node))

    def _scalar(self, node: yaml.ScalarNode, loc: Loc) -> object:
        try:
            return self._loader.construct_object(node)
        except (yaml.constructor.ConstructorError, ValueError) as exc:
            # An unknown tag (!foo), a merge key (<<), an impossible date such as 2024-13-45.
            reason = getattr(exc, "problem", None) or str(exc)
            self._problem(node, loc, f"cannot read this value: {reason}")
            return None

    def _mapping(self, node: yaml.MappingNode, loc: Loc) -> dict[object, object]:
        data: dict[object, object] = {}
        first_line: dict[object, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self._problem(key_node, loc, "a key must be a single word or text")
                continue
            key = self._scalar(key_node, loc)
            child = (*loc, key) if isinstance(key, str | int) else (*loc, str(key))
            key_line = key_node.start_mark.line + 1
            if key in first_line:
                # PyYAML would silently keep only the last value: an editor's edit could vanish.
                self._problem(
                    key_node,
                    child,
                    f"duplicate key {key!r}: it is already at line {first_line[key]} "
                    "(YAML would silently keep only the last one)",
                )
            else:
                first_line[key] = key_line
            self._lines[child] = key_line
            data[key] = self._plain(value_node, child)
        return data
