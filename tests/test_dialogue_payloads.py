"""Button payloads: round trips, the 64-byte limit, and total parsing of anything else."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from polbot.dialogue import payloads
from polbot.dialogue.payloads import (
    InvalidPayload,
    OpenAction,
    OpenHome,
    OpenPage,
    OpenTheme,
    parse,
)


@pytest.mark.parametrize(
    ("payload", "target"),
    [
        (payloads.home(), OpenHome()),
        (payloads.theme("signalering"), OpenTheme("signalering")),
        (payloads.page("capaciteit"), OpenPage("capaciteit", 1)),
        (payloads.page("capaciteit", 2), OpenPage("capaciteit", 2)),
        (payloads.page("capaciteit", 99), OpenPage("capaciteit", 99)),
        (payloads.action("help"), OpenAction("help")),
        (payloads.action("over"), OpenAction("over")),
    ],
)
def test_built_payloads_parse_back_to_their_target(payload: str, target: object) -> None:
    assert parse(payload) == target


@pytest.mark.parametrize(
    "payload",
    [
        "",
        " ",
        "home ",
        "HOME",
        "p:",
        "p:capaciteit:1",  # part 1 is written without a suffix: one payload per target
        "p:capaciteit:0",
        "p:capaciteit:02",
        "p:capaciteit:100",
        "p:Capaciteit",
        "t:signalering\n",
        "a:stop",
        "x:capaciteit",
        "p:" + "a" * 61,
        "p:capaciteït",
        "\x00",
        "\ud800",
        "🙂" * 50,
        "j" * 200,
    ],
)
def test_anything_else_is_an_invalid_payload(payload: str) -> None:
    assert isinstance(parse(payload), InvalidPayload)


@pytest.mark.parametrize("payload", [None, 7, b"home", ["home"]])
def test_a_payload_that_is_no_string_is_invalid(payload: object) -> None:
    assert parse(payload) == InvalidPayload(size=0)


def test_invalid_payload_reports_its_size_in_bytes() -> None:
    assert parse("é" * 40) == InvalidPayload(size=80)


@given(st.text(max_size=300))
def test_parsing_is_total(payload: str) -> None:
    target = parse(payload)
    assert isinstance(target, OpenHome | OpenTheme | OpenPage | OpenAction | InvalidPayload)


@pytest.mark.parametrize(
    "build",
    [
        lambda: payloads.page("a" * 63),
        lambda: payloads.theme("Signalering"),
        lambda: payloads.page("capaciteit", 0),
    ],
)
def test_a_payload_that_cannot_be_read_back_is_refused_when_built(build) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="64 bytes"):
        build()
