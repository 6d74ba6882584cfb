"""JSON log lines: whitelisted fields only, exceptions reduced to their type."""

from __future__ import annotations

import json
import logging
import sys

import pytest

from polbot.server.logs import FIELDS, JsonFormatter


def record(
    message: str = "event handled",
    name: str = "polbot.server",
    args: tuple = (),
    exc: BaseException | None = None,
    **extra: object,
) -> logging.LogRecord:
    exc_info = None
    if exc is not None:
        try:
            raise exc
        except BaseException:
            exc_info = sys.exc_info()
    made = logging.LogRecord(name, logging.WARNING, __file__, 1, message, args, exc_info)
    made.__dict__.update(extra)
    return made


def formatted(made: logging.LogRecord) -> dict[str, object]:
    line = JsonFormatter().format(made)
    assert "\n" not in line
    return json.loads(line)


def test_a_line_holds_time_level_event_and_the_given_fields() -> None:
    line = formatted(record(channel="web", kind="answer", page_id="capaciteit", latency_ms=1.5))
    assert line["level"] == "warning"
    assert line["event"] == "event handled"
    assert line["timestamp"].endswith("+00:00")  # type: ignore[union-attr]
    assert (line["channel"], line["kind"], line["page_id"], line["latency_ms"]) == (
        "web",
        "answer",
        "capaciteit",
        1.5,
    )


@pytest.mark.parametrize(
    "field", ["text", "user_id", "chat_id", "user_name", "question", "message_text"]
)
def test_fields_outside_the_whitelist_are_dropped(field: str) -> None:
    assert field not in FIELDS
    line = formatted(record(**{field: "Jan Jansen vraagt iets geheims"}))
    assert "Jan Jansen" not in json.dumps(line)


def test_an_exception_is_logged_by_type_without_its_message_or_traceback() -> None:
    line = formatted(record(exc=ValueError("de vraag van de gebruiker")))
    assert line["error"] == "ValueError"
    assert "gebruiker" not in json.dumps(line)
    assert "Traceback" not in json.dumps(line)


def test_third_party_messages_are_logged_without_their_arguments() -> None:
    # aiohttp and others put addresses and request data in the arguments.
    line = formatted(record("Error handling request from %s", name="aiohttp", args=("10.1.2.3",)))
    assert line["event"] == "Error handling request from %s"
    assert "10.1.2.3" not in json.dumps(line)
