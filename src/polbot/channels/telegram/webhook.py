"""The Telegram webhook inside ``polbot serve``: ``POST {webhook_path}`` on the server's app.

Telegram sends each update to the public URL with the secret given in ``setWebhook`` in the
``X-Telegram-Bot-Api-Secret-Token`` header; a request without the right secret gets 403
and never reaches the bot. An accepted update is handled inside its request (the PTB
application runs without an updater) and the request is answered only then: 200 once the
replies went out through the Bot API, 503 when they could not go out yet. Telegram sends an
update again until it gets a 2xx, so an update is never acknowledged and then lost: not
when sending fails, not on SIGTERM (what is not done within ``shutdown_timeout`` gets 503),
not on SIGKILL (the connection breaks, Telegram sends it again). The price is an update
answered twice when the process dies between sending the reply and answering 200; a copy
of an update this process has seen is answered once.

Unlike polling, a webhook scales out: every replica registers the same URL and secret on
start, and any replica can answer any update because the assistant keeps no state.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
from collections import OrderedDict

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from polbot.channels import ChannelHandler
from polbot.channels.telegram.bot import (
    ALLOWED_UPDATES,
    build_application,
    deliver,
    start_bot,
)
from polbot.channels.telegram.settings import TelegramSettings
from polbot.errors import BadBodyError, TelegramSetupError
from polbot.runtime.body import read_json
from polbot.runtime.shutdown import SHUTDOWN
from polbot.vocabulary import TELEGRAM_SECRET_ENV

log = logging.getLogger("polbot.telegram")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
APPLICATION = web.AppKey("polbot.telegram.application", Application)
"""The PTB application the webhook feeds, for whoever needs its bot."""

REMEMBERED_UPDATES = 10_000
"""How many recent ``update_id``s the webhook remembers, to answer a copy only once."""

# What Telegram accepts as a secret token.
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def mount(app: web.Application, handler: ChannelHandler, settings: TelegramSettings) -> None:
    """Serve the Telegram webhook on ``app`` and register it with Telegram on start-up.

    ``settings`` is the ``channels.telegram`` section of the configuration: ``bot_token``
    and ``webhook_secret`` (secrets), ``public_url``, ``webhook_path``, ``api_base_url``.
    Raises :class:`TelegramSetupError` for a missing or malformed token, secret or URL.
    """
    token = settings.bot_token.get_secret_value() if settings.bot_token else None
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
    if not secret or not _SECRET.match(secret):
        raise TelegramSetupError(
            f"{TELEGRAM_SECRET_ENV} must be set to 1 to 256 letters, digits, '_' or '-' "
            "for the Telegram webhook"
        )
    if not settings.public_url:
        raise TelegramSetupError(
            "public_url must be set for the Telegram webhook: the https address at which "
            "Telegram reaches this server"
        )
    application = build_application(
        handler, token=token, base_url=settings.api_base_url, webhook=True
    )
    attach(
        app,
        application,
        handler,
        public_url=settings.public_url,
        path=settings.webhook_path,
        secret=secret,
    )


def attach(
    app: web.Application,
    application: Application,
    handler: ChannelHandler,
    *,
    public_url: str,
    path: str,
    secret: str,
) -> None:
    """Feed ``application`` (built with ``webhook=True``) from ``POST {path}`` on ``app``.

    On start-up the application is initialised, the command menu published and the webhook
    ``{public_url}{path}`` registered with ``secret``. When the server starts shutting down,
    new updates get 503 and those in flight get the server's shutdown timeout (``SHUTDOWN``);
    on clean-up the application stops.
    """
    app[APPLICATION] = application
    receiver = _Receiver(application, handler, secret)

    async def start(_app: web.Application) -> None:
        await start_bot(application, handler)
        await application.bot.set_webhook(
            url=public_url + path, secret_token=secret, allowed_updates=ALLOWED_UPDATES
        )
        await application.start()
        log.info("telegram webhook registered", extra={"channel": "telegram", "path": path})

    async def stop(_app: web.Application) -> None:
        # The webhook stays registered: other replicas, or this one restarted, take over.
        if application.running:
            await application.stop()
        await application.shutdown()

    async def closing(app: web.Application) -> None:
        shutdown = app.get(SHUTDOWN)
        receiver.close(shutdown.timeout if shutdown is not None else None)

    app.on_startup.append(start)
    app.on_shutdown.append(closing)
    app.on_cleanup.append(stop)
    app.router.add_post(path, receiver.receive)


class _Receiver:
    """The webhook route: checks the secret and the update, handles it, answers with how
    that went; remembers recent updates to answer a copy once."""

    def __init__(self, application: Application, handler: ChannelHandler, secret: str) -> None:
        self._application = application
        self._handler = handler
        self._secret = secret.encode()
        self._recent: OrderedDict[int, asyncio.Future[int]] = OrderedDict()
        """``update_id`` -> the status its delivery answered (or will answer)."""
        self._closing = False
        self._deadline: float | None = None
        self._in_flight: set[asyncio.Timeout] = set()

    async def receive(self, request: web.Request) -> web.Response:
        # aiohttp keeps header bytes that are not UTF-8 as surrogates: encode them back
        # instead of failing, and let them be the wrong secret they are.
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")
        if not hmac.compare_digest(given, self._secret):
            self._handler.reject("missing or wrong telegram webhook secret")
            return web.Response(status=403)
        try:
            data = await read_json(request)
        except BadBodyError as bad:
            self._handler.reject(bad.reason)
            return web.Response(status=bad.status)
        try:
            update = Update.de_json(data, self._application.bot) if _is_update(data) else None
        # RecursionError: objects nested deeper than PTB recurses; AttributeError: PTB
        # reading a field of an object that is a string or number ("message": "hallo").
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
            self._handler.reject(f"telegram update does not parse ({type(exc).__name__})")
            return web.Response(status=400)
        if update is None:
            self._handler.reject("telegram update without update_id")
            return web.Response(status=400)
        if not _has_chats(update):
            self._handler.reject("telegram message without chat")
            return web.Response(status=400)
        if self._closing:
            return web.Response(status=503)  # Telegram sends it again, to a running replica
        return web.Response(status=await self._once(update))

    def close(self, timeout: float | None) -> None:
        """The server shuts down: refuse new updates, and give those in flight ``timeout``
        seconds (``None``: as long as the server waits) before they are cut off with 503.

        aiohttp waits up to its shutdown timeout for a request, then as long again after
        cancelling its body (which a request past reading does not notice): cutting off here
        keeps SIGTERM within ``shutdown_timeout``.
        """
        self._closing = True
        if timeout is not None:
            self._deadline = asyncio.get_running_loop().time() + timeout
            for scope in self._in_flight:
                scope.reschedule(self._deadline)

    async def _once(self, update: Update) -> int:
        """The status for ``update``: a copy of one in flight or answered gets its status."""
        known = self._recent.get(update.update_id)
        if known is not None:
            log.info("telegram update received again", extra={"channel": "telegram"})
            # Shielded: a copy's request that ends early must not cancel the first's outcome.
            return await asyncio.shield(known)
        outcome: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._recent[update.update_id] = outcome
        while len(self._recent) > REMEMBERED_UPDATES:
            self._recent.popitem(last=False)
        status = 503
        try:
            status = 200 if await self._deliver(update) else 503
        finally:
            outcome.set_result(status)
            if status != 200 and self._recent.get(update.update_id) is outcome:
                del self._recent[update.update_id]  # Telegram's next copy must be handled
        return status

    async def _deliver(self, update: Update) -> bool:
        """Whether the update is done with; ``False`` if cut off by the shutdown deadline."""
        scope = asyncio.timeout_at(self._deadline)
        self._in_flight.add(scope)
        try:
            async with scope:
                return await deliver(self._application, update)
        except TimeoutError:
            if not scope.expired():
                raise
            log.warning(
                "telegram update cut off by shutdown, Telegram sends it again",
                extra={"channel": "telegram"},
            )
            return False
        finally:
            self._in_flight.discard(scope)


def _is_update(data: object) -> bool:
    return isinstance(data, dict) and isinstance(data.get("update_id"), int)


def _has_chats(update: Update) -> bool:
    """Whether every message of ``update`` has the chat, with its numeric id, to answer in.

    PTB turns a missing ``chat`` into ``None`` instead of refusing the update, and the
    handlers would fail on it later; Telegram always sends one.
    """
    query = update.callback_query
    messages = (update.message, query.message if query else None)
    return all(
        message.chat is not None and isinstance(message.chat.id, int)
        for message in messages
        if message is not None
    )
