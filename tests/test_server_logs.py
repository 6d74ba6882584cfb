"""JSON log lines: whitelisted fields only, exceptions reduced to their type."""

from __future__ import annotations

import json
import logging
import sys

import pytest

from polbot.runtime.logs import FIELDS, JsonFormatter


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


@pytest.mark.parametrize(
    ("message", "args", "event"),
    [
        (
            "Executing %s took %.3f seconds",
            ("<Handle>", 0.25),
            "Executing <Handle> took 0.250 seconds",
        ),
        ("%d updates pending", (3,), "3 updates pending"),
        ("no arguments, 100%", (), "no arguments, 100%"),
        ("too few %s %s", ("x",), "too few %s %s"),  # a library's own mistake is no crash
    ],
)
def test_third_party_messages_have_their_arguments_filled_in(
    message: str, args: tuple, event: str
) -> None:
    """They were logged as their raw format ("Error handling request from %s")."""
    assert formatted(record(message, name="asyncio", args=args))["event"] == event


@pytest.mark.parametrize(
    "address",
    [
        "10.1.2.3",
        "10.1.2.3:51234",
        "::1",
        "2001:db8::8a2e:370:7334",
        "jan.jansen@example.nl",
        "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0",
    ],
)
def test_addresses_and_tokens_in_third_party_arguments_are_redacted(address: str) -> None:
    # aiohttp and others put client addresses and request URLs in the arguments.
    line = formatted(
        record("Error handling request from %s at 23:57:18", name="aiohttp", args=(address,))
    )
    assert line["event"] == "Error handling request from <redacted> at 23:57:18"
