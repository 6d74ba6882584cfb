"""The application: configuration and the parts (:mod:`polbot.runtime.assembly`) -> channels.

:func:`create_app` assembles the real parts, the review store included; :func:`build_app`
takes them ready-made (tests pass their own). One :class:`aiohttp.web.Application` serves
every enabled channel, the probes and the metrics, with security headers on every response;
it reloads the knowledge base when its folder changes (``knowledge.watch``) or on SIGHUP
(:mod:`polbot.runtime.reload`), and closes the review store when it stops.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web

from polbot import __version__
from polbot.channels import register
from polbot.dialogue import Assistant
from polbot.errors import SetupError
from polbot.knowledge import load_knowledge
from polbot.knowledge.model import KnowledgeBase
from polbot.review import Recorder, open_recorder
from polbot.runtime.assembly import Assembly
from polbot.runtime.body import BODY_TIMEOUT
from polbot.runtime.metrics import Metrics
from polbot.runtime.reload import RELOADER, Reloader
from polbot.runtime.shutdown import SHUTDOWN, Shutdown
from polbot.server.config import Settings
from polbot.server.runner import ERROR_PAGES, START_FACTS, ErrorPages, listen, run

__all__ = [
    "METRICS_LISTENER",
    "SECURITY_HEADERS",
    "MetricsListener",
    "build_app",
    "create_app",
    "run",
    "security_headers",
    "serve_parts",
]

METRICS = web.AppKey("polbot.metrics", Metrics)
"""The metrics of every channel of this app, for ``/metrics``."""

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
"""Sent with every response: the page loads nothing from elsewhere and runs no inline code,
and no other page may frame it (unless ``channels.web.frame_ancestors`` names some)."""


def security_headers(frame_ancestors: tuple[str, ...] = ()) -> dict[str, str]:
    """:data:`SECURITY_HEADERS`, with pages of ``frame_ancestors`` (origins) allowed to show
    this server's pages in a frame.

    CSP's ``frame-ancestors`` names them; ``X-Frame-Options`` is dropped then, as it can
    only say ``DENY`` or ``SAMEORIGIN`` (``ALLOW-FROM`` is gone from browsers), and a
    browser that knows CSP ignores it anyway.

    >>> security_headers(("https://intranet.example.nl",))["Content-Security-Policy"]
    ... # doctest: +ELLIPSIS
    "default-src 'none'; ... frame-ancestors https://intranet.example.nl; base-uri 'none'"
    """
    if not frame_ancestors:
        return dict(SECURITY_HEADERS)
    headers = {k: v for k, v in SECURITY_HEADERS.items() if k != "X-Frame-Options"}
    headers["Content-Security-Policy"] = headers["Content-Security-Policy"].replace(
        "frame-ancestors 'none'", f"frame-ancestors {' '.join(frame_ancestors)}"
    )
    return headers


HEADERS = web.AppKey("polbot.headers", dict)
"""The security headers of this app's responses (:func:`security_headers`)."""

SERVER = "polbot"
"""The ``Server`` header, instead of aiohttp's, which names the Python and aiohttp versions."""


def create_app(settings: Settings) -> web.Application:
    """The server for ``settings``: loads the knowledge base, builds the assistant and opens
    the review store (one that writes nothing unless ``review.enabled``).

    Raises :class:`polbot.errors.KnowledgeError` for a broken knowledge base,
    :class:`polbot.errors.ReviewError` for a review store that cannot be opened and
    :class:`polbot.errors.ChannelSetupError` for an enabled channel that lacks a setting.
    """
    kb = load_knowledge(settings.knowledge_dir)
    recorder = open_recorder(settings.review)
    try:
        return serve_parts(settings, Assembly(kb, recorder=recorder))
    except BaseException:
        recorder.close()
        raise


def build_app(
    settings: Settings,
    kb: KnowledgeBase,
    assistant: Assistant,
    metrics: Metrics | None = None,
) -> web.Application:
    """:func:`serve_parts` with a ready-made assistant (and metrics): the tests' own."""
    return serve_parts(settings, Assembly(kb, assistant=assistant, metrics=metrics))


def serve_parts(settings: Settings, parts: Assembly) -> web.Application:
    """One application with the probes, ``/metrics`` and every enabled channel, each
    channel with its handler from ``parts``.

    Raises :class:`polbot.errors.ChannelSetupError` for an enabled channel that lacks a
    setting.
    """
    kb, metrics = parts.kb, parts.metrics
    app = web.Application(client_max_size=settings.max_body_bytes)
    app[METRICS] = metrics
    app[HEADERS] = headers = security_headers(settings.channels.web.frame_ancestors)
    app[BODY_TIMEOUT] = settings.body_timeout
    app[ERROR_PAGES] = ErrorPages(
        headers={**headers, "Server": SERVER, "Cache-Control": "no-store"},
        invalid=kb.message("web-error-invalid"),
        too_large=kb.message("web-error-too-large"),
        failed=kb.message("server-error"),
    )
    readiness = _Readiness(Shutdown(settings.shutdown_timeout))
    app[SHUTDOWN] = readiness.shutdown
    app.on_startup.append(readiness.started)
    app.on_shutdown.append(readiness.stopping)
    app.on_response_prepare.append(_security_headers)
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/readyz", readiness.probe)
    if settings.metrics.port is None:
        app.router.add_get("/metrics", _metrics)
    else:
        listener = app[METRICS_LISTENER] = MetricsListener(
            metrics, settings.host, settings.metrics.port
        )
        app.on_startup.append(listener.start)
        app.on_cleanup.append(listener.stop)

    reloader = Reloader(settings.knowledge_dir, parts)
    app[RELOADER] = reloader
    if settings.knowledge.watch:
        app.cleanup_ctx.append(_watching(reloader))
    if parts.recorder is not None:
        app.on_cleanup.append(_closing(parts.recorder))

    channels = register(app, settings.channels, parts.handler)
    # For the start-up line ("listening"): what this process serves.
    app[START_FACTS] = {
        "version": __version__,
        "pages": len(kb.pages),
        "channels": channels,
        "metrics_port": settings.metrics.port,
    }
    return app


def _watching(
    reloader: Reloader,
) -> Callable[[web.Application], AsyncIterator[None]]:
    async def watching(_app: web.Application) -> AsyncIterator[None]:
        async with reloader.watching():
            yield

    return watching


def _closing(recorder: Recorder) -> Callable[[web.Application], Awaitable[None]]:
    async def close(_app: web.Application) -> None:
        # After the requests in flight: what they recorded is written before the exit.
        await asyncio.to_thread(recorder.close)

    return close


class MetricsListener:
    """``/metrics`` on a port of its own (``metrics.port``), for a scraper on the internal
    network: the public port then has no ``/metrics``. Started with the app, stopped at its
    cleanup; nothing but ``GET /metrics`` is served there."""

    def __init__(self, metrics: Metrics, host: str, port: int) -> None:
        self.metrics, self.host, self.wanted = metrics, host, port
        self.port: int | None = None
        """The port listened on, once started (``metrics.port``, or the one 0 gave)."""
        self._runner: web.AppRunner | None = None

    async def start(self, _app: web.Application) -> None:
        app = web.Application()
        app[METRICS] = self.metrics
        app.router.add_get("/metrics", _metrics)
        runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await runner.setup()
        try:
            sock = await listen(self.host, self.wanted)
        except OSError as exc:
            await runner.cleanup()
            raise SetupError(
                f"metrics.port: cannot listen on {self.host}:{self.wanted}: {exc.strerror}"
            ) from exc
        await web.SockSite(runner, sock).start()
        self._runner, self.port = runner, sock.getsockname()[1]

    async def stop(self, _app: web.Application) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


METRICS_LISTENER = web.AppKey("polbot.metrics_listener", MetricsListener)
"""The separate ``/metrics`` listener, when ``metrics.port`` is set."""


class _Readiness:
    """Ready between start-up and the start of shutdown: a balancer stops sending early."""

    def __init__(self, shutdown: Shutdown) -> None:
        self.shutdown = shutdown
        self.started_up = False

    async def started(self, _app: web.Application) -> None:
        self.started_up = True

    async def stopping(self, _app: web.Application) -> None:
        # The runner has begun the shutdown already (SIGTERM); an app served otherwise not.
        self.shutdown.begin()

    async def probe(self, _request: web.Request) -> web.Response:
        if self.started_up and not self.shutdown.begun:
            return web.json_response({"status": "ready"})
        return web.json_response({"status": "not ready"}, status=503)


async def _healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def _metrics(request: web.Request) -> web.Response:
    metrics = request.app[METRICS]
    return web.Response(body=metrics.exposition(), headers={"Content-Type": metrics.content_type})


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.update(request.app[HEADERS])
    response.headers["Server"] = SERVER
    if request.path.startswith("/api/"):
        response.headers["Cache-Control"] = "no-store"
