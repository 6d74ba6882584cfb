"""The Telegram webhook inside ``polbot serve``: ``POST {webhook_path}`` on the server's app.

Telegram sends each update to the public URL with the secret given in ``setWebhook`` in the
``X-Telegram-Bot-Api-Secret-Token`` header; a request without the right secret gets 403
and never reaches the bot. Accepted updates go on the PTB application's update queue (the
application runs without an updater, as in PTB's ``customwebhookbot`` example) and the
request is answered at once; the replies go out through the Bot API.

Unlike polling, a webhook scales out: every replica registers the same URL and secret on
start, and any replica can answer any update because the assistant keeps no state.
"""

from __future__ import annotations

import hmac
import logging
import re

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from polbot.channels.telegram.bot import (
    ALLOWED_UPDATES,
    ChannelHandler,
    build_application,
    start_bot,
)
from polbot.channels.telegram.errors import TelegramSetupError
from polbot.server.body import BadBody, read_json
from polbot.server.config import TelegramSettings

log = logging.getLogger("polbot.telegram")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
APPLICATION = web.AppKey("polbot.telegram.application", Application)
"""The PTB application the webhook feeds, for whoever needs its bot."""

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
            "TELEGRAM_WEBHOOK_SECRET must be set to 1 to 256 letters, digits, '_' or '-' "
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
    ``{public_url}{path}`` registered with ``secret``; on clean-up the application stops.
    """
    app[APPLICATION] = application

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

    app.on_startup.append(start)
    app.on_cleanup.append(stop)
    app.router.add_post(path, _Receiver(application, handler, secret).receive)


class _Receiver:
    """The webhook route: checks the secret, then hands the update to the application."""

    def __init__(self, application: Application, handler: ChannelHandler, secret: str) -> None:
        self._application = application
        self._handler = handler
        self._secret = secret.encode()

    async def receive(self, request: web.Request) -> web.Response:
        # aiohttp keeps header bytes that are not UTF-8 as surrogates: encode them back
        # instead of failing, and let them be the wrong secret they are.
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")
        if not hmac.compare_digest(given, self._secret):
            self._handler.reject("missing or wrong telegram webhook secret")
            return web.Response(status=403)
        try:
            data = await read_json(request)
        except BadBody as bad:
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
        await self._application.update_queue.put(update)
        return web.Response(status=200)


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
