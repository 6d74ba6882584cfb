"""Request bodies on all three endpoints over real HTTP: every way a body can be bad is a 4xx
and one warning line, never a 500 or an error line (``polbot.runtime.body``, which the web
chat, the Telegram webhook and the Teams endpoint all read through)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from polbot.channels.telegram.webhook import SECRET_HEADER
from polbot.dialogue import Assistant
from polbot.knowledge import KnowledgeBase
from polbot.server.app import build_app
from polbot.server.config import Settings
from polbot.server.runner import Listener, serving
from server_support import KNOWLEDGE, read_response
from telegram_fake import TOKEN, FakeBotApi

SECRET = "body-tests_secret"

# Each endpoint, the headers that get a request past its checks to the body, and a body that
# is valid JSON up to an integer of 5,000 digits (Python converts at most 4,300).
HUGE = "1" + "0" * 5000
ENDPOINTS = {
    "web": ("/api/chat", {}, f'{{"text": {HUGE}}}'),
    "telegram": ("/telegram/webhook", {SECRET_HEADER: SECRET}, f'{{"update_id": {HUGE}}}'),
    "teams": ("/api/messages", {}, f'{{"type": {HUGE}, "channelId": "msteams"}}'),
}


def all_channels(api: FakeBotApi, **overrides: Any) -> Settings:
    """The web chat, the Telegram webhook (on the fake Bot API) and Teams (anonymous)."""
    telegram = {"enabled": True, "bot_token": TOKEN, "webhook_secret": SECRET}
    return Settings.model_validate(
        {
            "knowledge_dir": str(KNOWLEDGE),
            "host": "127.0.0.1",
            "port": 0,
            "public_url": "https://polbot.example.org",
            "channels": {
                "telegram": {**telegram, "api_base_url": api.base_url},
                "teams": {"enabled": True, "anonymous": True},
            },
            **overrides,
        }
    )


@pytest.fixture
async def server(
    api: FakeBotApi, kb: KnowledgeBase, assistant: Assistant, request: pytest.FixtureRequest
) -> AsyncIterator[Listener]:
    """``polbot serve``'s server, in this process (aiohttp's TestServer cancels the handler
    of a client that hangs up, which ``polbot serve`` lets finish)."""
    settings = all_channels(api, **getattr(request, "param", {}))
    async with serving(build_app(settings, kb, assistant), settings) as running:
        yield running


def url(server: Listener, path: str) -> str:
    return f"http://127.0.0.1:{server.port}{path}"


def head(path: str, headers: dict[str, str], length: int) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: polbot", "Content-Type: application/json"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join([*lines, f"Content-Length: {length}", "", ""])).encode()


def loud(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.WARNING]


async def settled(
    caplog: pytest.LogCaptureFixture, timeout: float = 5.0
) -> list[logging.LogRecord]:
    """The warning-or-worse records once one has arrived and the server has had a moment."""
    deadline = time.monotonic() + timeout
    while not loud(caplog) and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.1)  # whatever else the same request logs
    return loud(caplog)


def assert_one_warning(records: list[logging.LogRecord]) -> None:
    assert [(r.levelname, r.exc_info) for r in records] == [("WARNING", None)], [
        (r.name, r.levelname, r.getMessage()) for r in records
    ]


@pytest.mark.parametrize("channel", ENDPOINTS)
async def test_an_integer_of_5000_digits_is_a_400_and_one_warning(
    server: Listener, channel: str, caplog: pytest.LogCaptureFixture
) -> None:
    """It was a 500 and an error line: int() raises a plain ValueError past 4,300 digits."""
    path, headers, body = ENDPOINTS[channel]
    caplog.set_level(logging.INFO)
    async with (
        aiohttp.ClientSession(trust_env=False) as session,
        session.post(url(server, path), data=body.encode(), headers=headers) as response,
    ):
        assert response.status == 400
    assert_one_warning(await settled(caplog))


@pytest.mark.parametrize("channel", ENDPOINTS)
async def test_a_client_that_hangs_up_mid_body_is_one_warning(
    server: Listener, channel: str, caplog: pytest.LogCaptureFixture
) -> None:
    """It was an error line (ConnectionResetError) from aiohttp."""
    path, headers, _ = ENDPOINTS[channel]
    caplog.set_level(logging.INFO)
    _, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(head(path, headers, 1000) + b'{"text": "' + b"a" * 490)
    await writer.drain()
    await asyncio.sleep(0.1)  # the route is waiting for the rest
    writer.close()
    await writer.wait_closed()
    assert_one_warning(await settled(caplog))


@pytest.mark.parametrize("server", [{"body_timeout": 0.5}], indirect=True)
@pytest.mark.parametrize("channel", ENDPOINTS)
async def test_a_body_that_trickles_in_gets_408_after_the_body_timeout(
    server: Listener, channel: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A client sending a byte now and then held its request open for as long as it liked."""
    path, headers, _ = ENDPOINTS[channel]
    caplog.set_level(logging.INFO)
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    started = time.monotonic()
    writer.write(head(path, headers, 100_000) + b"{")
    trickle = asyncio.create_task(_trickle(writer))
    try:
        status, _, _ = await asyncio.wait_for(read_response(reader), timeout=5)
    finally:
        trickle.cancel()
        writer.close()
    assert status == 408
    assert 0.5 <= time.monotonic() - started < 3
    assert_one_warning(await settled(caplog))


async def _trickle(writer: asyncio.StreamWriter) -> None:
    while True:  # a byte every 0.1 s: never idle, never done
        await asyncio.sleep(0.1)
        writer.write(b" ")
