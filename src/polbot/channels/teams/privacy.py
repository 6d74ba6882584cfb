"""Keep user data out of the Agents SDK's log records.

The SDK logs conversation ids at INFO ("Sending to conversation: ..."), and message texts and
ids inside warnings and errors ("No route found ... with text: ...", connector errors naming
``v3/conversations/<id>``). polbot logs what happened, never who asked or what they wrote, so
every record of the ``microsoft_agents`` loggers passes through :class:`ScrubbingHandler`,
which replaces the identifiers and text of the activity being handled (remembered per
request in a context variable) before the record reaches the application's handlers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar
from typing import Any

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


def scrub(text: str) -> str:
    """``text`` with the current activity's sensitive values replaced."""
    for value in _sensitive.get():
        text = text.replace(value, REDACTED)
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
