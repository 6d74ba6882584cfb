"""Logs as one JSON object per line on stdout, without personal data.

A record carries an ``event`` (the log message: a fixed phrase, never user text) and only
the whitelisted fields of :data:`FIELDS`, passed as ``extra``::

    log.info("question answered", extra={"channel": "web", "kind": "answer",
                                         "page_id": "capaciteit", "latency_ms": 2.1})

Whatever else a record holds is dropped, and an exception is reduced to its type name:
an exception's message or traceback can quote what a user typed. That is the whole
privacy rule of this module: what happened, never who asked or what they wrote (AVG).

Records of libraries get the same format, their arguments filled in (``"Executing %s took
%.3f seconds"``); as those arguments can be a client's address, IP and e-mail addresses and
Telegram bot tokens in them are replaced by ``<redacted>``.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import sys
import time
from datetime import UTC, datetime
from typing import TextIO

from aiohttp.abc import AbstractAccessLogger
from aiohttp.web import BaseRequest, StreamResponse

FIELDS = (
    "channel",
    "kind",
    "page_id",
    "event_type",
    "replies",
    "latency_ms",
    "reason",
    "error",
    "method",
    "path",
    "status",
    "host",
    "port",
    "version",
    "pages",
    "max_connections",
    "problems",
    "duration_ms",
    "variable",
    "channels",
    "metrics_port",
)
"""The only record attributes that reach the log besides time, level, logger and event."""

# Third-party loggers that log URLs with credentials or message content at INFO:
# httpx logs every request URL, and the Telegram Bot API puts the token in the URL.
_QUIET = ("httpx", "httpcore", "telegram", "microsoft_agents", "msal")


class JsonFormatter(logging.Formatter):
    """Formats a record as one line of JSON with only the whitelisted fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": _event(record),
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info and record.exc_info[0] is not None:
            line["error"] = record.exc_info[0].__name__
        return json.dumps(line, ensure_ascii=False, default=str)


REDACTED = "<redacted>"

# IPv4 (with a port), e-mail addresses, and bot tokens (123456789:AAH..., as in Bot API URLs).
_ALWAYS_REDACTED = re.compile(
    r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\d{5,}:[\w-]{30,}"
)
# Text that may be an IPv6 address; a clock time ("23:57:18") is not one.
_MAYBE_IPV6 = re.compile(r"[0-9A-Fa-f]*:[0-9A-Fa-f:]*:[0-9A-Fa-f:]*")


def _event(record: logging.LogRecord) -> str:
    try:
        event = record.getMessage()
    except (TypeError, ValueError):  # arguments that do not fit their format
        event = str(record.msg)
    if record.name.startswith("polbot"):
        return event  # polbot's own events are fixed phrases, with their data in FIELDS
    return _MAYBE_IPV6.sub(_ipv6_redacted, _ALWAYS_REDACTED.sub(REDACTED, event))


def _ipv6_redacted(match: re.Match[str]) -> str:
    try:
        ipaddress.IPv6Address(match[0])
    except ValueError:
        return match[0]
    return REDACTED


def setup_logging(level: str = "INFO", stream: TextIO | None = None) -> None:
    """Send every log record to ``stream`` (default: stdout) as JSON lines at ``level``;
    idempotent."""
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in _QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))


class AccessLogger(AbstractAccessLogger):
    """aiohttp's access log as JSON lines, with the path but never the query string."""

    def log(self, request: BaseRequest, response: StreamResponse, time_: float) -> None:
        self.logger.info(
            "request",
            extra={
                "method": request.method,
                "path": request.rel_url.path,
                "status": response.status,
                "latency_ms": round(time_ * 1000, 2),
            },
        )


def elapsed_ms(start: float) -> float:
    """Milliseconds since ``start`` (a :func:`time.perf_counter` value), rounded for logs."""
    return round((time.perf_counter() - start) * 1000, 2)
