"""``polbot serve``'s server (``polbot.server.runner``) in this process, over raw sockets: the
server's own error responses, its time limits, and its cap on connections."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from polbot.server.app import SECURITY_HEADERS, build_app
from polbot.server.config import ConfigError, load_settings
from polbot.server.runner import Listener, serving
from server_support import read_response, real_parts, settings

SLOW = 0.5


@asynccontextmanager
async def server(**overrides: Any) -> AsyncIterator[Listener]:
    """The real app on a free loopback port, plus ``GET /slow``, which takes SLOW seconds."""
    kb, assistant = real_parts()
    options = settings(host="127.0.0.1", port=0, **overrides)
    app = build_app(options, kb, assistant)

    async def slow(_request: web.Request) -> web.Response:
        await asyncio.sleep(SLOW)
        return web.json_response({"slept": SLOW})

    app.router.add_get("/slow", slow)
    async with serving(app, options) as listener:
        yield listener


async def exchange(port: int, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(raw)
        return await asyncio.wait_for(read_response(reader), timeout=5)
    finally:
        writer.close()


def loud(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str]]:
    return [(r.levelname, r.getMessage()) for r in caplog.records if r.levelno >= logging.WARNING]


BAD_HTTP = {
    "request line too long": b"GET /?q=" + b"echo" * 2500 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    "header too long": b"GET / HTTP/1.1\r\nHost: x\r\nX-Echo: " + b"echo" * 2500 + b"\r\n\r\n",
    "unknown method": b"ECHO /api/chat HTTP/1.1\r\nHost: x\r\n\r\n",
    "not http at all": b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03echo\r\n\r\n",
    "brotli body": b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Encoding: br\r\n"
    b'Content-Type: application/json\r\nContent-Length: 15\r\n\r\n{"text": "echo"}',
    "zstd body": b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Encoding: zstd\r\n"
    b'Content-Type: application/json\r\nContent-Length: 15\r\n\r\n{"text": "echo"}',
}


@pytest.mark.parametrize("raw", BAD_HTTP.values(), ids=BAD_HTTP)
async def test_aiohttps_own_errors_are_the_apps_json_400_with_the_security_headers(
    raw: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    """They were text/plain echoing up to 100 bytes of the request, without the security
    headers and with aiohttp's version banner; "br" said "Please install Brotli"."""
    kb, _ = real_parts()
    caplog.set_level(logging.INFO)
    async with server() as listener:
        status, headers, body = await exchange(listener.port, raw)
    assert status == 400
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name.lower()) == value, name
    assert headers["server"] == "polbot"
    assert headers["content-type"].startswith("application/json")
    assert json.loads(body) == {
        "error": {"code": "invalid", "message": kb.message("web-error-invalid")}
    }
    assert b"echo" not in body.lower()
    assert loud(caplog) == [("WARNING", "invalid http request")]


async def test_brotli_gets_the_same_answer_as_a_body_that_is_not_the_gzip_it_claims() -> None:
    gzip = BAD_HTTP["brotli body"].replace(b"Content-Encoding: br", b"Content-Encoding: gzip")
    async with server() as listener:
        brotli_answer = await exchange(listener.port, BAD_HTTP["brotli body"])
        gzip_answer = await exchange(listener.port, gzip)
    assert (brotli_answer[0], brotli_answer[2]) == (gzip_answer[0], gzip_answer[2])


@pytest.mark.parametrize("path", ["/", "/healthz", "/static/app.js", "/no/such/page", "/api/chat"])
async def test_no_response_names_the_python_or_aiohttp_version(path: str) -> None:
    async with (
        server() as listener,
        aiohttp.ClientSession(trust_env=False) as http,
        http.get(f"http://127.0.0.1:{listener.port}{path}") as response,
    ):
        assert response.headers["Server"] == "polbot"


async def test_a_failing_handler_is_a_json_500_and_one_error_line_without_the_address(
    caplog: pytest.LogCaptureFixture,
) -> None:
    kb, assistant = real_parts()
    options = settings(host="127.0.0.1", port=0)
    app = build_app(options, kb, assistant)

    async def broken(_request: web.Request) -> web.Response:
        raise RuntimeError("detail of 127.0.0.1")

    app.router.add_get("/broken", broken)
    caplog.set_level(logging.INFO)
    async with serving(app, options) as listener:
        status, headers, body = await exchange(
            listener.port, b"GET /broken HTTP/1.1\r\nHost: x\r\n\r\n"
        )
    assert status == 500
    assert headers["server"] == "polbot"
    assert json.loads(body)["error"] == {"code": "error", "message": kb.message("server-error")}
    [error] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert (error.levelname, error.getMessage(), error.error) == (  # type: ignore[attr-defined]
        "ERROR",
        "request failed",
        "RuntimeError",
    )
    assert "127.0.0.1" not in caplog.text


async def test_headers_that_trickle_in_are_cut_off_after_the_keepalive_timeout(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A client sending a header line now and then held its connection for 75 s."""
    caplog.set_level(logging.INFO)
    async with server(keepalive_timeout=0.5) as listener:
        reader, writer = await asyncio.open_connection("127.0.0.1", listener.port)
        started = time.monotonic()
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        trickle = asyncio.create_task(_every(0.1, lambda: writer.write(b"X-Slow: 1\r\n")))
        try:
            assert await asyncio.wait_for(reader.read(), timeout=5) == b""
        finally:
            trickle.cancel()
            writer.close()
        assert 0.5 <= time.monotonic() - started < 3
    assert loud(caplog) == []


async def test_when_full_the_slowest_clients_make_room_for_normal_ones(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Slow clients used to keep every connection they opened, for as long as they liked."""
    limit, slow_clients = 8, 20
    caplog.set_level(logging.INFO)
    async with server(max_connections=limit) as listener:
        slow = []
        for n in range(slow_clients):
            reader, writer = await asyncio.open_connection("127.0.0.1", listener.port)
            if n % 2:  # half still sending headers, half a body
                writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            else:
                writer.write(b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Length: 99\r\n\r\n{")
            slow.append((reader, writer))
            await asyncio.sleep(0.01)
        async with aiohttp.ClientSession(trust_env=False) as http:
            for _ in range(5):
                started = time.monotonic()
                async with http.get(f"http://127.0.0.1:{listener.port}/healthz") as response:
                    assert response.status == 200
                assert time.monotonic() - started < 1
        closed = [await _closed(reader) for reader, _ in slow]
        for _, writer in slow:
            writer.close()
    assert closed[: slow_clients - limit] == [True] * (slow_clients - limit), "oldest first"
    assert not all(closed[-2:]), "the newest slow clients are still open"
    events = loud(caplog)
    assert ("WARNING", "connection limit reached") in events
    assert all(level == "WARNING" for level, _ in events)
    assert len(events) <= 1 + slow_clients  # at most one warning for each slow client


async def test_a_connection_the_app_is_answering_is_never_closed_for_a_new_one() -> None:
    slow_request = b"GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    async with server(max_connections=2) as listener:
        answering = [asyncio.create_task(exchange(listener.port, slow_request)) for _ in range(2)]
        await asyncio.sleep(SLOW / 5)  # both handlers are asleep
        started = time.monotonic()
        status, _, _ = await exchange(listener.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert status == 200
        assert time.monotonic() - started >= SLOW / 2, "it waited for a free connection"
        assert [status for status, _, _ in await asyncio.gather(*answering)] == [200, 200]


async def _closed(reader: asyncio.StreamReader) -> bool:
    try:
        return await asyncio.wait_for(reader.read(), timeout=0.2) == b""
    except TimeoutError:
        return False
    except ConnectionError:
        return True


async def _every(seconds: float, action: Callable[[], object]) -> None:
    while True:
        await asyncio.sleep(seconds)
        result = action()
        if isinstance(result, Awaitable):
            await result


INTRANET = ("https://intranet.example.nl", "https://*.gemeente.example.nl:8443")


@pytest.mark.parametrize(
    ("method", "path", "raw"),
    [
        ("GET", "/", None),
        ("GET", "/static/app.js", None),
        ("POST", "/api/chat", None),
        ("GET", "/no/such/page", None),
        ("GET", "(the server's own error)", BAD_HTTP["unknown method"]),
    ],
)
async def test_frame_ancestors_let_the_named_intranet_pages_frame_the_chat(
    method: str, path: str, raw: bytes | None
) -> None:
    web_settings = {"frame_ancestors": " ".join(INTRANET)}  # as the environment gives it
    async with server(channels={"web": web_settings}) as listener:
        if raw is None:
            request = f"{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{{}}"
            raw = request.encode()
        _status, headers, _body = await exchange(listener.port, raw)
    policy = headers["content-security-policy"]
    assert f"frame-ancestors {' '.join(INTRANET)};" in policy
    assert "frame-ancestors 'none'" not in policy
    assert "x-frame-options" not in headers  # DENY would win over the CSP in old browsers
    others = {k: v for k, v in SECURITY_HEADERS.items() if k != "Content-Security-Policy"}
    del others["X-Frame-Options"]
    for name, value in others.items():
        assert headers.get(name.lower()) == value, name


async def test_without_frame_ancestors_no_page_may_frame_the_chat() -> None:
    async with server() as listener:
        _status, headers, _body = await exchange(
            listener.port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
        )
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize(
    "origin", ["intranet.example.nl", "https://intranet.example.nl/polbot/", "'self'", "*"]
)
def test_a_frame_ancestor_that_is_not_an_origin_is_a_configuration_error(origin: str) -> None:
    variable = "POLBOT_CHANNELS__WEB__FRAME_ANCESTORS"
    with pytest.raises(ConfigError, match=f"environment variable {variable}: channels.web"):
        load_settings(environ={variable: f"https://a.example.nl {origin}"})
