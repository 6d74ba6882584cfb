"""``polbot serve`` as a process: the listener, its connections, the signals, the shutdown.

:func:`run` serves an app built by :func:`polbot.server.app.build_app` until SIGTERM or
SIGINT; :func:`serving` does the same inside a running event loop (the tests use it). Both
add what aiohttp's ``run_app`` leaves open and a server on a public address needs:

- **A cap on connections** (``max_connections``, lowered to fit the open-file limit: an
  ``accept`` that fails for want of file descriptors stalls every client and logs an error
  each time). polbot accepts connections itself, one at a time and only while below the cap;
  when full and a client is waiting, the connection that has waited longest on its client
  (idle, or still sending its request) is closed to make room, so slow clients cannot
  crowd out others. A connection whose request the app is working on is never closed for
  it: when every one is busy, new clients wait in the listen backlog.
- **Time limits**: a connection that has not sent a complete request line and headers within
  ``keepalive_timeout`` is closed (aiohttp's keep-alive timer also runs while headers
  arrive); a body gets ``body_timeout`` (:mod:`polbot.runtime.body`).
- **The server's own error responses** (a request line too long, an unknown method, a body
  encoding it cannot decode, a handler that failed) like the app's: JSON with the Dutch
  text, the security headers, nothing of the request echoed, one log line without the
  client's address.
- **Signals**: SIGHUP reloads the knowledge base (:mod:`polbot.runtime.reload`: validated
  and built beside the running one, then swapped in; refused and logged if invalid);
  SIGTERM turns ``/readyz`` to 503 at once, keeps serving for ``shutdown_drain`` seconds
  so that a balancer stops sending, then closes the listener and gives requests in flight
  up to ``shutdown_timeout`` (those whose body is still arriving are cut off: aiohttp reads
  no more from then on).
"""

from __future__ import annotations

import asyncio
import logging
import math
import resource
import signal
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from polbot.runtime.logs import AccessLogger
from polbot.runtime.reload import RELOADER, ignore_hangups, reload_on_hangup
from polbot.runtime.shutdown import SHUTDOWN, Shutdown
from polbot.server.config import Settings

log = logging.getLogger("polbot.server")

# aiohttp's own limits, stated here because they are polbot's too: the request line and each
# header at most 8,190 bytes (a Bot Service JWT is about 2 KB), at most 128 headers.
_HEADER_LIMITS = {"max_line_size": 8190, "max_field_size": 8190, "max_headers": 128}

# File descriptors kept free of client connections: the listener, the connections to
# Telegram and the Bot Service, static files being sent, the log.
_FD_RESERVE = 64

# At most one "connection limit reached" line per this many seconds while the cap is hit.
_LIMIT_WARNING_INTERVAL = 60.0

# Connections the kernel holds for polbot to accept (aiohttp's default too).
_BACKLOG = 128

# Seconds before accepting again when the process is out of file descriptors.
_ACCEPT_RETRY_DELAY = 0.5


@dataclass(frozen=True)
class ErrorPages:
    """The server's own error responses: the app's headers and texts, as JSON.

    They have the shape of the web API's errors, ``{"error": {"code", "message"}}``: an
    error aiohttp answers before any route is known cannot take a route's own shape.
    """

    headers: Mapping[str, str]
    invalid: str
    too_large: str
    failed: str

    def response(self, status: int) -> web.Response:
        if status >= 500:
            code, message = "error", self.failed
        elif status == 413:
            code, message = "too-large", self.too_large
        else:
            code, message = "invalid", self.invalid
        response = web.json_response(
            {"error": {"code": code, "message": message}}, status=status, headers=self.headers
        )
        response.force_close()  # the request may not have been read to its end
        return response


ERROR_PAGES = web.AppKey("polbot.error_pages", ErrorPages)

START_FACTS = web.AppKey("polbot.start_facts", dict)
"""What the start-up line (``listening``) says of the app besides the address: its version,
pages, channels."""


class _Connection(web.RequestHandler):
    """One client connection: aiohttp's, with polbot's error responses and log lines, and
    known to the :class:`_Pool` that caps them."""

    __slots__ = ("_pages", "pool", "waiting_since", "working_on")

    def __init__(self, pool: _Pool, pages: ErrorPages, manager: web.Server, **kwargs: Any):
        super().__init__(manager, **kwargs)
        self.pool, self._pages = pool, pages
        self.working_on: web.BaseRequest | None = None
        """The request the app is handling on this connection, from :func:`_track` until its
        response is sent."""
        self.waiting_since = time.monotonic()
        """When this connection last began to wait on its client: opened, or answered."""

    def waiting_on_client(self) -> bool:
        """Idle, sending its request line and headers, or sending a body still incomplete."""
        request = self.working_on
        return request is None or not request.content.is_eof()

    def drop(self) -> None:
        """Close at once. Not ``force_close()``: that lets a body read still running see a
        closed connection before ``connection_lost`` tells it the client is gone."""
        if self.transport is not None:
            self.transport.abort()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self.pool.add(self)

    def connection_lost(self, exc: BaseException | None) -> None:
        self.pool.discard(self)
        super().connection_lost(exc)

    async def finish_response(
        self, request: web.BaseRequest, resp: web.StreamResponse, start_time: float | None
    ) -> tuple[web.StreamResponse, bool]:
        try:
            return await super().finish_response(request, resp, start_time)
        finally:  # sent: from now on the connection waits on its client again
            self.working_on = None
            self.waiting_since = time.monotonic()
            self.pool.answered()

    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        # aiohttp's own version logs the client's address and answers text/plain with the
        # parser's message, which quotes the request.
        if isinstance(exc, HttpProcessingError):
            log.warning("invalid http request", extra={"reason": type(exc).__name__})
        else:
            log.error("request failed", extra={"status": status, "error": _type_name(exc)})
        if request.writer.output_size > 0:
            # As aiohttp does: the response has begun, the connection can only be dropped.
            raise ConnectionError("response already started")
        return self._pages.response(status)

    def log_exception(self, *args: Any, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info")
        # A broken body or a vanished client, met after the route answered (aiohttp reads an
        # unread body to its end before it reuses the connection): the client's fault, which
        # the route has logged if it read the body.
        if isinstance(exc, HttpProcessingError | web.RequestPayloadError | ConnectionError):
            return
        log.error("request failed", extra={"error": _type_name(exc)})


def _type_name(exc: object) -> str | None:
    return type(exc).__name__ if isinstance(exc, BaseException) else None


class _Pool:
    """The open connections, at most ``limit``; see :meth:`make_room`."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._open: set[_Connection] = set()
        self._changed = asyncio.Event()  # a connection closed, or a request was answered
        self._warned_at = -math.inf

    def add(self, connection: _Connection) -> None:
        self._open.add(connection)

    def discard(self, connection: _Connection) -> None:
        self._open.discard(connection)
        self._changed.set()

    def answered(self) -> None:
        self._changed.set()

    def drop_unfinished_bodies(self) -> None:
        """Close the connections whose request body is still arriving."""
        for connection in list(self._open):
            request = connection.working_on
            if request is not None and not request.content.is_eof():
                connection.drop()

    async def make_room(self, client_waiting: Callable[[], Awaitable[None]]) -> None:
        """Return when one more connection may be opened: at once below the limit; when full,
        once a client is waiting and the connection that has waited longest on its client
        is closed, or one has closed by itself."""
        while len(self._open) >= self.limit:
            await client_waiting()  # only a client in the backlog is worth closing one for
            if len(self._open) < self.limit:
                return  # one closed meanwhile
            now = time.monotonic()
            if now - self._warned_at >= _LIMIT_WARNING_INTERVAL:
                self._warned_at = now
                log.warning("connection limit reached", extra={"max_connections": self.limit})
            waiting = [c for c in self._open if c.waiting_on_client()]
            if waiting:
                oldest = min(waiting, key=lambda c: c.waiting_since)
                self._open.discard(oldest)
                oldest.drop()
            else:  # every connection is being answered: the newcomer waits its turn
                self._changed.clear()
                await self._changed.wait()


@web.middleware
async def _track(request: web.Request, handler: Any) -> web.StreamResponse:
    """Tell a connection which request the app works on, until it is answered."""
    if isinstance(request.protocol, _Connection):
        request.protocol.working_on = request
    return await handler(request)


def connection_limit(wanted: int) -> int:
    """``wanted``, or less if the process may not open that many files besides its own."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(1, min(wanted, soft - _FD_RESERVE))


class Listener:
    """A running server: its port, and how to stop it."""

    def __init__(
        self,
        runner: web.AppRunner,
        pool: _Pool,
        sock: socket.socket,
        factory: Callable[[], _Connection],
        shutdown: Shutdown,
    ) -> None:
        self._runner, self._pool, self._sock, self._shutdown = runner, pool, sock, shutdown
        self.port: int = sock.getsockname()[1]
        self._accepting = asyncio.create_task(self._accept(factory))
        self._stopped = False

    async def _accept(self, factory: Callable[[], _Connection]) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._pool.make_room(self._client_waiting)
            try:
                connection, _address = await loop.sock_accept(self._sock)
            except ConnectionError:  # the client gave up while it waited in the backlog
                continue
            except OSError as exc:  # out of file descriptors after all: others hold them
                log.warning("cannot accept a connection", extra={"reason": exc.strerror})
                await asyncio.sleep(_ACCEPT_RETRY_DELAY)
                continue
            try:
                await loop.connect_accepted_socket(factory, connection)
            except OSError:  # the client left before it was taken on
                connection.close()

    async def _client_waiting(self) -> None:
        loop = asyncio.get_running_loop()
        readable: asyncio.Future[None] = loop.create_future()

        def ready() -> None:
            if not readable.done():
                readable.set_result(None)

        loop.add_reader(self._sock, ready)
        try:
            await readable
        finally:
            loop.remove_reader(self._sock)

    async def stop(self, drain: float = 0.0) -> None:
        """Stop as on SIGTERM: ``/readyz`` 503 now, ``drain`` seconds more of serving, then
        no new connections, and requests in flight get up to ``shutdown_timeout``."""
        if self._stopped:
            return
        self._stopped = True
        self._shutdown.begin(drain)
        if drain:
            await asyncio.sleep(drain)
        self._accepting.cancel()
        with suppress(asyncio.CancelledError):
            await self._accepting
        self._sock.close()
        # From here aiohttp reads nothing more, so a body still arriving can never complete:
        # waiting shutdown_timeout for it (a slow client's, say) would only delay the stop.
        self._pool.drop_unfinished_bodies()
        # Closes idle connections, runs on_shutdown, waits for requests in flight (each up
        # to shutdown_timeout), then on_cleanup.
        await self._runner.cleanup()


@asynccontextmanager
async def serving(app: web.Application, settings: Settings) -> AsyncIterator[Listener]:
    """Serve ``app`` (from ``build_app``) on ``settings.host`` and ``port`` (0: any free one)
    for the block, then stop it as on SIGINT. Start-up errors of the app's hooks propagate;
    an ``OSError`` when the address cannot be bound, after the app has been cleaned up."""
    loop = asyncio.get_running_loop()
    limit = connection_limit(settings.max_connections)
    if limit < settings.max_connections:
        log.warning(
            "max_connections lowered to fit the open-file limit", extra={"max_connections": limit}
        )
    pool, pages = _Pool(limit), app[ERROR_PAGES]
    app.middlewares.append(_track)
    runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=settings.shutdown_timeout)
    await runner.setup()
    manager = runner.server
    assert manager is not None  # setup() made it
    options: dict[str, Any] = {
        "loop": loop,
        "keepalive_timeout": settings.keepalive_timeout,
        "access_log": logging.getLogger("polbot.access") if settings.access_log else None,
        "access_log_class": AccessLogger,
        **_HEADER_LIMITS,
    }
    try:
        sock = await listen(settings.host, settings.port)
    except OSError:
        await runner.cleanup()
        raise
    listener = Listener(
        runner, pool, sock, lambda: _Connection(pool, pages, manager, **options), app[SHUTDOWN]
    )
    try:
        yield listener
    finally:
        await listener.stop()


async def listen(host: str, port: int) -> socket.socket:
    """A listening socket on the first address ``host`` resolves to."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, _type, _proto, _name, address = infos[0]
    sock = socket.create_server(address, family=family, backlog=_BACKLOG)
    sock.setblocking(False)
    return sock


def run(app: web.Application, settings: Settings) -> None:
    """Serve ``app`` until SIGTERM (or SIGINT, which skips ``shutdown_drain``)."""
    try:
        asyncio.run(_serve_until_signalled(app, settings))
    finally:
        # Closing the loop gave SIGHUP back its default action, which ends the process.
        ignore_hangups()
    log.info("stopped")


async def _serve_until_signalled(app: web.Application, settings: Settings) -> None:
    loop = asyncio.get_running_loop()
    stop: asyncio.Future[int] = loop.create_future()

    def stop_on(signum: int) -> None:
        if not stop.done():
            stop.set_result(signum)

    for stopping in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(stopping, stop_on, stopping)
    reload_on_hangup(loop, app.get(RELOADER))
    async with serving(app, settings) as listener:
        facts = app.get(START_FACTS, {})
        log.info("listening", extra={"host": settings.host, "port": listener.port, **facts})
        signum = await stop
        log.info("stopping", extra={"reason": signal.Signals(signum).name})
        # Ctrl-C comes from a person at a terminal: no balancer to wait for.
        await listener.stop(settings.shutdown_drain if signum == signal.SIGTERM else 0.0)
