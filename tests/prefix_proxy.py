"""A prefix-stripping reverse proxy on loopback, as an intranet puts in front of polbot.

``https://intranet.example.nl/polbot/x`` reaches polbot as ``/x``: the proxy forwards every
request under ``<prefix>/`` to the upstream without the prefix, redirects ``<prefix>`` to
``<prefix>/`` (as nginx and Apache do) and answers anything else 404, remembering its path
in :attr:`PrefixProxy.strays` so that a test can show that the page asked for none.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import aiohttp
from aiohttp import web

from server_support import free_port

# Hop-by-hop headers (RFC 9110, 7.6.1) and those the client library recomputes.
_NOT_FORWARDED = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
        "content-encoding",
    }
)


class PrefixProxy:
    """A running proxy: ``url`` is its root; the web chat is at ``url + prefix + "/"``."""

    def __init__(self, upstream: str, prefix: str) -> None:
        self.upstream, self.prefix = upstream, prefix
        self.url = ""
        self.strays: list[str] = []
        self.forwarded: list[str] = []

    async def handle(self, request: web.Request) -> web.StreamResponse:
        path = request.rel_url.path
        if path == self.prefix:
            raise web.HTTPPermanentRedirect(self.prefix + "/")
        if not path.startswith(self.prefix + "/"):
            self.strays.append(path)
            return web.Response(status=404, text="not under the prefix")
        upstream_path = path[len(self.prefix) :]
        self.forwarded.append(upstream_path)
        target = self.upstream + upstream_path
        if request.query_string:
            target += "?" + request.query_string
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _NOT_FORWARDED}
        headers["X-Forwarded-Prefix"] = self.prefix
        async with (
            aiohttp.ClientSession() as session,
            session.request(
                request.method,
                target,
                headers=headers,
                data=await request.read(),
                allow_redirects=False,
            ) as answer,
        ):
            body = await answer.read()
            kept = {k: v for k, v in answer.headers.items() if k.lower() not in _NOT_FORWARDED}
            return web.Response(status=answer.status, body=body, headers=kept)


@contextmanager
def prefix_proxy(upstream: str, prefix: str = "/polbot") -> Iterator[PrefixProxy]:
    """Run a :class:`PrefixProxy` in front of ``upstream`` in a thread of its own."""
    proxy = PrefixProxy(upstream, prefix)
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", proxy.handle)
    runner = web.AppRunner(app)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="prefix-proxy", daemon=True)
    thread.start()
    port = free_port()

    async def start() -> None:
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()

    asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=10)
    proxy.url = f"http://127.0.0.1:{port}"
    try:
        yield proxy
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
