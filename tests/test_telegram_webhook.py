"""The Telegram webhook inside the server, over real HTTP on loopback: the secret is checked,
the webhook registered on start, an update acknowledged only once it is answered (or left
for Telegram to send again), a duplicate answered once, and a burst of 500 updates answered
once each."""

from __future__ import annotations

import asyncio
import json
import logging
import statistics
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from pydantic import SecretStr

from polbot.channels.telegram import bot as telegram_bot
from polbot.channels.telegram.bot import build_application
from polbot.channels.telegram.webhook import SECRET_HEADER, attach, mount
from polbot.dialogue import Assistant
from polbot.errors import TelegramSetupError
from polbot.knowledge.model import KnowledgeBase
from polbot.runtime.observe import ObservedHandler
from polbot.server.app import build_app
from polbot.server.config import Settings, TelegramSettings
from telegram_fake import TOKEN, FakeBotApi, loopback_request

SECRET = "s3cret_webhook-TOKEN"
PUBLIC_URL = "https://polbot.example.org"
PATH = "/telegram/webhook"
SETTLE = 0.3
"""Seconds to wait before asserting that nothing more was sent."""


def settings(api: FakeBotApi, **telegram: Any) -> Settings:
    section = {
        "enabled": True,
        "bot_token": TOKEN,
        "webhook_secret": SECRET,
        "api_base_url": api.base_url,
        **telegram,
    }
    return Settings.model_validate({"public_url": PUBLIC_URL, "channels": {"telegram": section}})


@pytest.fixture
async def server(
    api: FakeBotApi, kb: KnowledgeBase, assistant: Assistant
) -> AsyncIterator[TestServer]:
    """``polbot serve``'s application with the Telegram channel on, over real HTTP."""
    app = build_app(settings(api), kb, assistant)
    async with TestServer(app, host="127.0.0.1") as server:
        yield server


async def post(server: TestServer, update: dict[str, Any], secret: str | None) -> int:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    async with (
        aiohttp.ClientSession(trust_env=False) as session,
        session.post(server.make_url(PATH), json=update, headers=headers) as response,
    ):
        return response.status


def webhook_app(api: FakeBotApi, handler: ObservedHandler, **options: Any) -> web.Application:
    """An app with only the webhook, its bot built with ``options`` (a short timeout, say)."""
    application = build_application(
        handler,
        token=api.token,
        base_url=api.base_url,
        webhook=True,
        request=loopback_request(**options.pop("timeouts", {})),
        **options,
    )
    app = web.Application()
    attach(app, application, handler, public_url=PUBLIC_URL, path=PATH, secret=SECRET)
    return app


def complaints(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str]]:
    """Level and event of every warning and error logged, tracebacks flagged."""
    return [
        (r.levelname, r.getMessage() + (" + traceback" if r.exc_info else ""))
        for r in caplog.records
        if r.levelno >= logging.WARNING
    ]


async def test_start_up_registers_the_webhook_with_the_public_url_and_secret(
    server: TestServer, api: FakeBotApi
) -> None:
    [webhook] = api.of("setWebhook")
    assert webhook.params["url"] == PUBLIC_URL + PATH
    assert webhook.params["secret_token"] == SECRET
    assert webhook.params["allowed_updates"] == ["message", "callback_query"]
    assert api.of("setMyCommands")
    assert not api.of("getUpdates"), "a webhook bot never polls"


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET + "x", SECRET[:-1], SECRET.upper()])
async def test_a_missing_or_wrong_secret_is_refused_and_nothing_is_answered(
    server: TestServer, api: FakeBotApi, secret: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    status = await post(server, {"update_id": 1, **api.message(77, "/start")}, secret)

    assert status == 403
    await asyncio.sleep(0.2)
    assert not api.of("sendMessage")
    [warning] = [r for r in caplog.records if r.levelname == "WARNING"]
    assert "\n" not in warning.getMessage()


async def test_the_right_secret_is_accepted_and_the_update_answered(
    server: TestServer, api: FakeBotApi, kb: KnowledgeBase
) -> None:
    status = await post(server, {"update_id": 1, **api.message(77, "/contact")}, SECRET)

    assert status == 200
    [sent] = await api.wait_for("sendMessage")
    assert sent.params["chat_id"] == 77


@pytest.mark.parametrize(
    "raw", [b"\xff", SECRET.encode() + b"\xff", b"\xc3\x28"], ids=["ff", "secret+ff", "c328"]
)
async def test_a_secret_header_that_is_not_utf8_gets_403_and_one_warning(
    server: TestServer, api: FakeBotApi, caplog: pytest.LogCaptureFixture, raw: bytes
) -> None:
    """Issue 12, row 2: a header byte that is not UTF-8 broke the request with a 500 and an
    ERROR. A raw socket sends the bytes as they are."""
    caplog.set_level(logging.INFO)
    body = json.dumps({"update_id": 1, **api.message(77, "/start")}).encode()
    head = (
        f"POST {PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n{SECRET_HEADER}: "
    )
    reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(head.encode() + raw + b"\r\n\r\n" + body)
    answer = await reader.read()
    writer.close()
    await writer.wait_closed()

    assert answer.startswith(b"HTTP/1.1 403 "), answer[:40]
    await asyncio.sleep(SETTLE)
    assert not api.of("sendMessage")
    assert complaints(caplog) == [("WARNING", "invalid input")]


async def test_the_update_is_acknowledged_only_after_its_reply_was_sent(
    server: TestServer, api: FakeBotApi
) -> None:
    """Issue 12, row 10: the webhook answered 200 before handling the update, so an update
    acknowledged to Telegram was lost when the process died before answering it."""
    api.delay("sendMessage", SETTLE)

    status = await post(server, {"update_id": 1, **api.message(77, "/contact")}, SECRET)

    acknowledged = time.perf_counter()
    assert status == 200
    [sent] = api.of("sendMessage")
    assert acknowledged >= sent.at + SETTLE, "200 only once the Bot API confirmed the reply"


async def test_a_reply_that_cannot_be_sent_gets_503_and_telegrams_redelivery_is_answered(
    server: TestServer,
    api: FakeBotApi,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 12, row 10: a non-2xx status makes Telegram send the update again, later."""
    monkeypatch.setattr(telegram_bot, "NETWORK_BACKOFF_SECONDS", 0.01)
    for _ in range(telegram_bot.NETWORK_RETRIES + 1):
        api.fail_next("sendMessage", 500)
    update = {"update_id": 1, **api.message(77, "/contact")}

    assert await post(server, update, SECRET) == 503
    assert await post(server, update, SECRET) == 200

    assert [call.status for call in api.of("sendMessage", status=None)] == [500] * 4 + [200]
    assert "ERROR" not in {level for level, _ in complaints(caplog)}


@pytest.mark.parametrize("at_once", [False, True], ids=["one after the other", "at once"])
async def test_an_update_posted_twice_is_answered_once(
    server: TestServer, api: FakeBotApi, at_once: bool
) -> None:
    """Issue 12, row 13: Telegram sends an update again when it missed our 200 (a timeout,
    a cut connection); the user must not get the answer twice."""
    api.delay("sendMessage", 0.1)  # the second copy arrives while the first is in flight
    update = {"update_id": 1, **api.message(77, "/contact")}

    if at_once:
        statuses = list(await asyncio.gather(*(post(server, update, SECRET) for _ in "12")))
    else:
        statuses = [await post(server, update, SECRET), await post(server, update, SECRET)]

    assert statuses == [200, 200]
    await asyncio.sleep(SETTLE)
    assert len(api.of("sendMessage")) == 1


async def test_a_send_that_times_out_after_arriving_is_one_warning_and_not_a_failure(
    api: FakeBotApi, telegram_handler: ObservedHandler, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 12, row 15: a sendMessage that reached Telegram but whose answer came too late
    was an ERROR; it is a warning, and the update counts as handled (200: sending it again
    could answer the question twice)."""
    caplog.set_level(logging.INFO)
    api.delay("sendMessage", 1.0)
    app = webhook_app(api, telegram_handler, timeouts={"read_timeout": 0.2})

    async with TestServer(app, host="127.0.0.1") as server:
        status = await post(server, {"update_id": 1, **api.message(77, "/contact")}, SECRET)

    assert status == 200
    assert len(api.of("sendMessage")) == 1, "it did arrive, and it is not sent again"
    assert complaints(caplog) == [("WARNING", "telegram request timed out")]


@pytest.mark.parametrize(
    "body",
    [[1, 2], {"update_id": "x"}, {"message": {}}, "null", {"update_id": 1, "message": "hallo"}],
)
async def test_a_body_that_is_no_update_gets_400(
    server: TestServer, api: FakeBotApi, body: Any
) -> None:
    async with (
        aiohttp.ClientSession(trust_env=False) as session,
        session.post(server.make_url(PATH), json=body, headers={SECRET_HEADER: SECRET}) as r,
    ):
        assert r.status == 400


def _without(update: dict[str, Any], *path: str) -> dict[str, Any]:
    """A copy of ``update`` without the field at ``path``."""
    update = json.loads(json.dumps(update))
    inner = update
    for key in path[:-1]:
        inner = inner[key]
    del inner[path[-1]]
    return update


MALFORMED = {
    # PTB parses these (a missing object becomes None); the handlers then fail with an ERROR.
    "message without chat": lambda api: _without(api.message(77, "hallo"), "message", "chat"),
    "command without chat": lambda api: _without(api.message(77, "/start"), "message", "chat"),
    "chat id that is no number": lambda api: api.message(
        77, "hallo", chat={"id": "x", "type": "private"}
    ),
    "button under a message without chat": lambda api: _without(
        api.press(77, "home", api.message(77, "menu")["message"]),
        "callback_query",
        "message",
        "chat",
    ),
}


@pytest.mark.parametrize("make", MALFORMED.values(), ids=MALFORMED.keys())
async def test_a_malformed_update_gets_400_and_one_warning(
    server: TestServer, api: FakeBotApi, caplog: pytest.LogCaptureFixture, make: Any
) -> None:
    caplog.set_level(logging.INFO)
    status = await post(server, {"update_id": 1, **make(api)}, SECRET)
    await asyncio.sleep(0.3)  # an update that was queued fails now
    assert status == 400
    assert not api.of("sendMessage") and not api.of("editMessageText")
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [(r.levelname, r.getMessage()) for r in warnings] == [("WARNING", "invalid input")]
    assert not any(r.exc_info for r in caplog.records)


@pytest.mark.parametrize("raw", [b"{nope", b"[" * 30_000 + b"]" * 30_000])
async def test_a_body_that_is_not_json_gets_400(server: TestServer, raw: bytes) -> None:
    async with (
        aiohttp.ClientSession(trust_env=False) as session,
        session.post(server.make_url(PATH), data=raw, headers={SECRET_HEADER: SECRET}) as r,
    ):
        assert r.status == 400


async def test_a_body_that_does_not_decompress_gets_400_and_one_warning(
    server: TestServer, api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    """A body labelled gzip that is not gzip broke the request with a 500."""
    caplog.set_level(logging.INFO)
    raw = json.dumps({"update_id": 1, **api.message(77, "/start")}).encode()
    headers = {SECRET_HEADER: SECRET, "Content-Encoding": "gzip"}
    async with (
        aiohttp.ClientSession(trust_env=False) as session,
        session.post(server.make_url(PATH), data=raw, headers=headers) as r,
    ):
        assert r.status == 400
    await asyncio.sleep(0.2)
    assert not api.of("sendMessage")
    # aiohttp's own records of the broken body: see test_server_process for the log as written.
    ours = [r for r in caplog.records if r.name.startswith("polbot")]
    assert [r.levelname for r in ours if r.levelno >= logging.WARNING] == ["WARNING"]
    assert not any(r.exc_info for r in ours)


@pytest.mark.parametrize(
    ("telegram", "public_url", "problem"),
    [
        ({"bot_token": None}, PUBLIC_URL, "TELEGRAM_BOT_TOKEN is not set"),
        ({"bot_token": "12345"}, PUBLIC_URL, "does not look like a bot token"),
        ({"bot_token": "abc:" + "x" * 35}, PUBLIC_URL, "does not look like a bot token"),
        ({"webhook_secret": None}, PUBLIC_URL, "TELEGRAM_WEBHOOK_SECRET"),
        ({"webhook_secret": "met spatie"}, PUBLIC_URL, "TELEGRAM_WEBHOOK_SECRET"),
        ({}, None, "public_url"),
    ],
)
def test_mount_refuses_a_missing_or_malformed_setting_in_one_line(
    telegram: dict[str, Any],
    public_url: str | None,
    problem: str,
    telegram_handler: ObservedHandler,
) -> None:
    section = {"enabled": True, "bot_token": SecretStr(TOKEN), "webhook_secret": SecretStr(SECRET)}
    section.update({k: SecretStr(v) if v else None for k, v in telegram.items()})
    section["public_url"] = public_url
    with pytest.raises(TelegramSetupError, match=problem) as error:
        mount(web.Application(), telegram_handler, TelegramSettings(**section))
    assert "\n" not in str(error.value)
    assert TOKEN not in str(error.value) and SECRET not in str(error.value)


UPDATES = 500


@pytest.mark.slow  # 2-5 s: 500 questions through the real engine
async def test_500_updates_as_fast_as_the_server_takes_them_are_each_answered_once(
    api: FakeBotApi, telegram_handler: ObservedHandler, kb: KnowledgeBase
) -> None:
    # The overall rate limit (Telegram's 30 messages a second) is lifted here: this measures
    # what the server and the bot can do, not Telegram's broadcast limit.
    app = webhook_app(api, telegram_handler, messages_per_second=None)
    texts = ["/start", "/help", *(q for page in kb.pages for q in page.questions[:2])]
    updates = [
        {"update_id": n, **api.message(100_000 + n, texts[n % len(texts)])} for n in range(UPDATES)
    ]
    posted: dict[int, float] = {}

    async with TestServer(app, host="127.0.0.1") as server:
        connector = aiohttp.TCPConnector(limit=32)
        async with aiohttp.ClientSession(connector=connector, trust_env=False) as session:

            async def send(update: dict[str, Any]) -> int:
                posted[update["message"]["chat"]["id"]] = time.perf_counter()
                headers = {SECRET_HEADER: SECRET}
                async with session.post(server.make_url(PATH), json=update, headers=headers) as r:
                    return r.status

            start = time.perf_counter()
            statuses = await asyncio.gather(*(send(update) for update in updates))
            sent = await api.wait_for("sendMessage", count=UPDATES, timeout=120)
        await asyncio.sleep(0.3)  # anything answered twice would arrive now
        sent = api.of("sendMessage")

    assert statuses == [200] * UPDATES
    by_chat: dict[int, list[float]] = {}
    for call in sent:
        by_chat.setdefault(call.params["chat_id"], []).append(call.at)
    assert sorted(by_chat) == sorted(posted), "every update answered"
    assert all(len(times) == 1 for times in by_chat.values()), "no update answered twice"
    latencies = sorted((by_chat[chat][0] - posted[chat]) * 1000 for chat in posted)
    elapsed = max(call.at for call in sent) - start
    p99 = statistics.quantiles(latencies, n=100)[98]
    print(
        f"\ntelegram webhook on loopback: {UPDATES} updates in {elapsed:.2f} s = "
        f"{UPDATES / elapsed:.0f} updates/s; latency p50 {statistics.median(latencies):.0f} ms, "
        f"p99 {p99:.0f} ms"
    )
    assert elapsed < 60, "a generous bound: the whole burst within a minute"
