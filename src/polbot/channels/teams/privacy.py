"""Keep user data out of the Agents SDK's log records.

The SDK logs conversation ids at INFO ("Sending to conversation: ..."), and message texts and
ids inside warnings and errors ("No route found ... with text: ...", connector errors naming
``v3/conversations/<id>``). polbot logs what happened, never who asked or what they wrote, so
every record of the ``microsoft_agents`` loggers passes through :class:`ScrubbingHandler`,
which replaces the identifiers and text of the activity being handled (remembered per
request in a context variable) before the record reaches the application's handlers. Ids
also come back percent-encoded (in URLs: ``a:x%20%C3%BC``) and JSON-escaped (in the
connector's error bodies: ``a:x \\u00fc``), so :func:`scrub` looks for them decoded too.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from typing import Any
from urllib.parse import unquote, unquote_plus

SDK_LOGGER = "microsoft_agents"
REDACTED = "<redacted>"

_sensitive: ContextVar[tuple[str, ...]] = ContextVar("polbot_teams_sensitive", default=())


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def sensitive_values(body: Mapping[str, Any]) -> tuple[str, ...]:
    """Every string of an incoming activity that could identify a person or say what they
    wrote: ids, names, text and card values. Longest first, so that a value containing another
    is replaced whole."""
    fields: Iterable[Any] = (
        body.get(key)
        for key in ("id", "from", "recipient", "conversation", "text", "value", "replyToId")
    )
    found = {text for field in fields for text in _strings(field) if len(text.strip()) >= 3}
    return tuple(sorted(found, key=len, reverse=True))


def remember(values: tuple[str, ...]) -> None:
    """Scrub ``values`` from SDK log records for the rest of the current task."""
    _sensitive.set(values)


_JSON_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|([\"\\/bfnrt]))")
_JSON_SHORT = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def _json_unescape(text: str) -> str:
    """``text`` with JSON's string escapes (``\\u00fc``, ``\\"``, ...) read, wherever they
    stand; a surrogate pair becomes its one character."""

    def one(match: re.Match[str]) -> str:
        code, short = match.groups()
        return chr(int(code, 16)) if code else _JSON_SHORT.get(short, short)

    decoded = _JSON_ESCAPE.sub(one, text)
    return decoded.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


# In order, each applied to what the ones before left (a URL inside JSON, JSON inside a URL).
# JSON twice: an exception's repr (aiohttp's "message='...'") escapes the backslashes again.
_DECODINGS: tuple[Callable[[str], str], ...] = (
    unquote,
    _json_unescape,
    _json_unescape,
    unquote_plus,
)


def _replace(text: str, values: tuple[str, ...]) -> str:
    for value in values:
        text = text.replace(value, REDACTED)
    return text


def scrub(text: str) -> str:
    """``text`` with the current activity's sensitive values replaced, also where they
    stand percent-encoded or JSON-escaped: then the text is given decoded, values replaced."""
    values = _sensitive.get()
    text = probe = _replace(text, values)
    for decode in _DECODINGS:
        probe = decode(probe)
        if any(value in probe for value in values):
            text = probe = _replace(probe, values)
    return text


class ScrubbingHandler(logging.Handler):
    """Scrubs the SDK's records in place on their way up to the application's handlers.

    Attached to the ``microsoft_agents`` logger, it sees every SDK record before the root
    logger's handlers do, and writes nothing itself.
    """

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg = scrub(record.getMessage())
        record.args = None
        record.exc_info = None
        record.exc_text = scrub(record.exc_text) if record.exc_text else None
        record.stack_info = scrub(record.stack_info) if record.stack_info else None


# The SDK warns on every anonymous turn that its token client has no app id: expected there.
_QUIET = {"microsoft_agents.hosting.core.connector.client.user_token_client": logging.ERROR}


def install(level: int = logging.WARNING) -> None:
    """Scrub the SDK's records, and keep only those at ``level`` and above.

    The SDK's INFO records are per-request chatter that names conversations; WARNING and
    above stay, scrubbed. Installing twice changes nothing.
    """
    sdk = logging.getLogger(SDK_LOGGER)
    sdk.setLevel(level)
    for name, quiet_level in _QUIET.items():
        logging.getLogger(name).setLevel(quiet_level)
    if not any(isinstance(handler, ScrubbingHandler) for handler in sdk.handlers):
        sdk.addHandler(ScrubbingHandler())
