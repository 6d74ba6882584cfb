"""Validating one parsed file against the schema, with errors an editor can act on.

pydantic does the checking; this module only says its findings in plain words and points
each one at the line of the offending value.
"""

from __future__ import annotations

import difflib
from typing import Any, get_args

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from polbot.errors import Problem
from polbot.knowledge.model import ID_PATTERN, TEXT_PATTERN, URL_PATTERN, KnowledgeFile
from polbot.knowledge.yamlsource import Source

_SECTIONS = ", ".join(f"{name}:" for name in KnowledgeFile.model_fields)


def validate_file(source: Source) -> tuple[KnowledgeFile | None, list[Problem]]:
    """The file as a :class:`KnowledgeFile`, or ``None`` and every schema error in it."""
    if not isinstance(source.data, dict):
        found = "empty" if source.data is None else _describe(source.data)
        message = f"the file is {found}; a knowledge file is a mapping of sections ({_SECTIONS})"
        return None, [source.problem((), message)]
    try:
        return KnowledgeFile.model_validate(source.data), []
    except ValidationError as exc:
        return None, [_problem(source, error) for error in exc.errors(include_url=False)]


def _problem(source: Source, error: ErrorDetails) -> Problem:
    loc = error["loc"]
    is_key = bool(loc) and loc[-1] == "[key]"  # pydantic's marker for a bad mapping key
    if is_key:
        loc = loc[:-1]
    message = _message(error, loc)
    return source.problem(loc, f"key {message}" if is_key else message)


def _message(error: ErrorDetails, loc: tuple[str | int, ...]) -> str:
    kind = error["type"]
    ctx: dict[str, Any] = error.get("ctx") or {}
    value = error["input"]
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return _unknown_key(loc)
    if kind == "string_type":
        if value is None:
            return "must not be empty"
        return f"must be text, not {_describe(value)}{_quote_hint(value)}"
    if kind == "string_pattern_mismatch":
        return _pattern_message(ctx["pattern"], value)
    if kind == "too_short":
        if ctx["min_length"] == 1:
            return "must not be empty"
        return f"needs at least {ctx['min_length']} items, has {ctx['actual_length']}"
    if kind == "too_long":
        return f"has {ctx['actual_length']} items, at most {ctx['max_length']} are allowed"
    if kind in ("tuple_type", "list_type"):
        return f"must be a list, not {_describe(value)}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"must be a mapping of keys and values, not {_describe(value)}"
    if kind == "value_error":
        return str(ctx["error"])
    return error["msg"]


def _pattern_message(pattern: str, value: object) -> str:
    if pattern == TEXT_PATTERN:
        return "must not be empty"
    if pattern == ID_PATTERN:
        return (
            f"{value!r} is not a valid id: use only lower-case letters a-z, digits and '-', "
            "like 'train-de-juiste-mensen'"
        )
    if pattern == URL_PATTERN:
        return f"{value!r} is not a web address starting with http:// or https://"
    return f"{value!r} does not match the pattern {pattern}"


def _unknown_key(loc: tuple[str | int, ...]) -> str:
    """Name the allowed keys, and the likely one when the key looks like a typo."""
    allowed = list(_model_at(loc[:-1]).model_fields)
    close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
    guess = f"did you mean '{close[0]}'? " if close else ""
    return f"unknown key; {guess}allowed here: {', '.join(allowed)}"


def _model_at(loc: tuple[str | int, ...]) -> type[BaseModel]:
    """The model that validates the mapping at ``loc`` (list indexes are skipped)."""
    model: type[BaseModel] = KnowledgeFile
    for part in loc:
        if isinstance(part, str):
            model = _model_in(model.model_fields[part].annotation)
    return model


def _model_in(annotation: Any) -> type[BaseModel]:
    """The model inside an annotation such as ``tuple[Page, ...]`` or ``Home | None``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        if arg is not Ellipsis and arg is not type(None):
            try:
                return _model_in(arg)
            except LookupError:
                continue
    raise LookupError(f"no model in {annotation!r}")


def _quote_hint(value: object) -> str:
    """Why YAML read an editor's text as something else, and the fix."""
    if isinstance(value, bool | int | float):
        return "; put it in quotes"
    if isinstance(value, dict):
        return " (YAML reads 'a: b' as a key and a value); put the text in quotes"
    return ""


def _describe(value: object) -> str:
    """What a content editor wrote, in words: 'a list', 'the number 3'."""
    if isinstance(value, bool):
        return f"true/false ({value})"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, str):
        return "text"
    return type(value).__name__
