"""The Telegram bot: a python-telegram-bot application that turns updates into dialogue events
and the assistant's replies into HTML messages with inline keyboards.

The same application serves both ways of running: long polling (``polbot telegram``) and the
webhook inside ``polbot serve`` (built with ``webhook=True``, which leaves out PTB's own
updater: the server puts the updates on the application's queue).

Behaviour, as in the handbook: commands and free text get the assistant's replies; a pressed
button is answered first and its message edited in place; anything that is not text gets a
short reply that only text is understood. In groups only commands and messages that mention
the bot are answered.
"""

from __future__ import annotations

import asyncio
import logging
import re
import traceback
from collections.abc import Iterable
from typing import Any, Protocol

from telegram import (
    BotCommand,
    CallbackQuery,
    Chat,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    ReplyParameters,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    InvalidToken,
    NetworkError,
    TelegramError,
    TimedOut,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from polbot.channels.telegram.errors import TelegramSetupError
from polbot.channels.telegram.render import render
from polbot.dialogue.events import ButtonPress, Command, Event, TextMessage
from polbot.dialogue.payloads import home
from polbot.dialogue.replies import Button, Paragraph, Reply, Span

log = logging.getLogger("polbot.telegram")

DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
COMMANDS = ("start", "menu", "help", "contact", "over")
"""The commands shown in Telegram's command menu, described by ``telegram-command-<name>``."""
ALLOWED_UPDATES = ("message", "callback_query")
MESSAGES_PER_SECOND = 30
"""Telegram's limit for one bot across all chats; the rate limiter keeps below it."""
RATE_LIMIT_RETRIES = 3
NETWORK_RETRIES = 3
NETWORK_BACKOFF_SECONDS = 0.5
CONCURRENT_UPDATES = 16
"""Updates processed at once: the assistant keeps no per-chat state, so order is free."""

# <digits>:<35 or so characters of A-Z a-z 0-9 _ ->, as BotFather hands them out.
_TOKEN = re.compile(r"^[0-9]{3,20}:[A-Za-z0-9_-]{30,60}$")


class ChannelHandler(Protocol):
    """What the bot needs from its host (the server's ``observe`` wrapper provides it): the
    assistant, the channel's own texts, and a way to count and log refused input."""

    def handle(self, event: Event) -> tuple[Reply, ...]: ...

    def message(self, key: str, **fields: str) -> str: ...

    def reject(self, reason: str) -> None: ...


Outgoing = tuple[str, InlineKeyboardMarkup | None]
"""One Telegram message to send: HTML text and the keyboard under it."""


def check_token(token: str | None) -> str:
    """``token`` if it has the shape of a bot token; :class:`TelegramSetupError` otherwise.

    The message never repeats the token: it is a secret, and error output ends up in logs.
    """
    if not token:
        raise TelegramSetupError(
            "TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and set its token"
        )
    if not _TOKEN.match(token.strip()):
        raise TelegramSetupError(
            "TELEGRAM_BOT_TOKEN does not look like a bot token "
            "(<digits>:<about 35 letters, digits, '_' or '-'>, as @BotFather gives it)"
        )
    return token.strip()


def build_application(
    handler: ChannelHandler,
    *,
    token: str | None,
    base_url: str = DEFAULT_API_BASE_URL,
    webhook: bool = False,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    messages_per_second: float | None = MESSAGES_PER_SECOND,
) -> Application:
    """The PTB application answering with ``handler``; not yet initialised.

    ``webhook=True`` builds it without an updater, for a server that feeds its update queue.
    ``messages_per_second=None`` lifts the overall rate limit (for a Bot API server of your
    own); retries after 429 and network errors stay.
    """
    builder = (
        ApplicationBuilder()
        .token(check_token(token))
        .base_url(base_url)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .rate_limiter(
            ResilientRateLimiter(
                overall_max_rate=messages_per_second or 0, max_retries=RATE_LIMIT_RETRIES
            )
        )
        .concurrent_updates(CONCURRENT_UPDATES)
    )
    if request is not None:
        builder = builder.request(request)
    if webhook:
        builder = builder.updater(None)
    elif get_updates_request is not None:
        builder = builder.get_updates_request(get_updates_request)
    application = builder.build()
    _Conversation(handler).register(application)
    return application


async def start_bot(application: Application, handler: ChannelHandler) -> None:
    """Initialise ``application`` (``getMe``) and publish the command menu.

    A token the server rejects or a server out of reach is a :class:`TelegramSetupError`.
    """
    try:
        await application.initialize()
    except InvalidToken as exc:
        raise TelegramSetupError(
            "the Bot API server rejected TELEGRAM_BOT_TOKEN (401 Unauthorized): "
            "check the token @BotFather gave"
        ) from exc
    except TelegramError as exc:
        raise TelegramSetupError(
            f"cannot reach the Bot API server ({type(exc).__name__}): "
            "check TELEGRAM_API_BASE_URL and the network"
        ) from exc
    await application.bot.set_my_commands(
        [BotCommand(name, handler.message(f"telegram-command-{name}")) for name in COMMANDS]
    )


async def poll(
    application: Application,
    handler: ChannelHandler,
    stop: asyncio.Event,
    poll_timeout: float = 10.0,
) -> None:
    """Runs ``application`` by long polling until ``stop`` is set, then shuts it down.

    Raises :class:`TelegramSetupError` (see :func:`start_bot`) before polling starts.
    """
    updater = application.updater
    if updater is None:
        raise TypeError("a webhook application cannot poll: build it with webhook=False")
    try:
        await start_bot(application, handler)
        await updater.start_polling(
            timeout=poll_timeout, allowed_updates=ALLOWED_UPDATES, error_callback=polling_error
        )
        await application.start()
        await stop.wait()
    finally:
        if updater.running:
            await updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()


def polling_error(exc: TelegramError) -> None:
    """Logs a failed ``getUpdates`` in one line; the updater retries by itself."""
    log.warning(
        "telegram polling failed", extra={"channel": "telegram", "error": type(exc).__name__}
    )


class ResilientRateLimiter(AIORateLimiter):
    """PTB's rate limiter (which honours 429 ``retry_after``) that also retries requests
    lost to a network error or a server error (5xx), with a growing pause.

    A :class:`BadRequest` is final, and a :class:`TimedOut` request is not repeated: it may
    have arrived, and a question answered twice is worse than a rare lost answer.
    """

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):  # type: ignore[no-untyped-def]
        for attempt in range(NETWORK_RETRIES + 1):
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except (BadRequest, TimedOut):
                raise
            except NetworkError as exc:
                if attempt == NETWORK_RETRIES:
                    raise
                log.warning(
                    "telegram request failed, retrying",
                    extra={"channel": "telegram", "error": type(exc).__name__},
                )
                await asyncio.sleep(NETWORK_BACKOFF_SECONDS * 2**attempt)
        raise AssertionError("unreachable: the last attempt returns or raises")


class _Conversation:
    """The update handlers of one bot; they hold no state besides the channel handler."""

    def __init__(self, handler: ChannelHandler) -> None:
        self._handler = handler

    def register(self, application: Application) -> None:
        new_message = filters.UpdateType.MESSAGE
        application.add_handler(MessageHandler(new_message & filters.COMMAND, self.on_command))
        application.add_handler(MessageHandler(new_message & filters.TEXT, self.on_text))
        application.add_handler(MessageHandler(new_message & filters.ATTACHMENT, self.on_other))
        application.add_handler(CallbackQueryHandler(self.on_button))
        application.add_error_handler(self.on_error)

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        name = _command_for(message, context.bot.username)
        if name is not None:
            await self._reply(message, context, Command(name))

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message.chat.type == Chat.PRIVATE:
            await self._reply(message, context, TextMessage(message.text))
            return
        question = _addressed_text(message, context.bot)
        if question is not None:
            await self._reply(message, context, TextMessage(question))

    async def on_other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message.chat.type != Chat.PRIVATE:
            return  # a photo in a group is not addressed to the bot
        reply = Reply(
            (Paragraph((Span(self._handler.message("telegram-text-only")),)),),
            (Button(self._handler.message("telegram-menu-button"), home()),),
            kind="help",
        )
        await _send(context, message.chat_id, _outgoing((reply,)), quote=None)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        await _acknowledge(query)
        outgoing = _outgoing(self._handler.handle(ButtonPress(query.data or "")))
        message = query.message
        if isinstance(message, Message) and outgoing and await _edit(message, outgoing[0]):
            outgoing = outgoing[1:]
        chat = update.effective_chat
        if chat is not None:
            await _send(context, chat.id, outgoing, quote=None)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        error = context.error
        log.error(
            "telegram update failed",
            extra={"channel": "telegram", "error": type(error).__name__, "reason": _where(error)},
        )

    async def _reply(
        self, message: Message, context: ContextTypes.DEFAULT_TYPE, event: Event
    ) -> None:
        outgoing = _outgoing(self._handler.handle(event))
        # In a group the answer quotes the question, so that it is clear who is answered.
        quote = None if message.chat.type == Chat.PRIVATE else message.message_id
        await _send(context, message.chat_id, outgoing, quote=quote)


def _outgoing(replies: Iterable[Reply]) -> list[Outgoing]:
    """The replies as Telegram messages, each reply's keyboard under its last chunk."""
    result: list[Outgoing] = []
    for reply in replies:
        rendered = render(reply)
        for index, chunk in enumerate(rendered.chunks):
            last = index == len(rendered.chunks) - 1
            result.append((chunk, rendered.keyboard if last else None))
    return result


async def _send(
    context: ContextTypes.DEFAULT_TYPE,
    chat_id: int,
    outgoing: Iterable[Outgoing],
    quote: int | None,
) -> None:
    for text, markup in outgoing:
        reply_to = ReplyParameters(quote, allow_sending_without_reply=True) if quote else None
        await context.bot.send_message(
            chat_id, text, reply_markup=markup, reply_parameters=reply_to
        )
        quote = None  # only the first message of an answer quotes the question


async def _acknowledge(query: CallbackQuery) -> None:
    """Answers the callback query, so the button stops spinning; a late answer is no harm."""
    try:
        await query.answer()
    except BadRequest as exc:
        # "query is too old": the user waited long; the edit below still shows the answer.
        log.warning(
            "telegram callback answer refused",
            extra={"channel": "telegram", "error": type(exc).__name__, "reason": exc.message},
        )


async def _edit(message: Message, outgoing: Outgoing) -> bool:
    """Edits ``message`` to show ``outgoing``; ``False`` if Telegram will not edit it."""
    text, markup = outgoing
    try:
        await message.edit_text(text, reply_markup=markup)
    except BadRequest as exc:
        if "message is not modified" in exc.message.lower():
            return True  # the same button pressed twice: the message already shows it
        log.warning(
            "telegram edit refused, sending instead",
            extra={"channel": "telegram", "error": type(exc).__name__, "reason": exc.message},
        )
        return False
    return True


def _command_for(message: Message, username: str) -> str | None:
    """The command's name if it is meant for this bot: ``/help`` or ``/help@thisbot``."""
    entity = message.entities[0] if message.entities else None
    if entity is None or entity.type != MessageEntity.BOT_COMMAND or entity.offset != 0:
        return None
    command, _, target = message.parse_entity(entity)[1:].partition("@")
    if target and target.lower() != username.lower():
        return None
    return command.lower()


def _addressed_text(message: Message, bot: Any) -> str | None:
    """In a group: the text without the mention if it mentions the bot, else ``None``."""
    mentions = message.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION])
    ours = [
        entity
        for entity, text in mentions.items()
        if text[1:].lower() == bot.username.lower()
        or (entity.user is not None and entity.user.id == bot.id)
    ]
    if not ours:
        return None
    text = message.text
    for entity in ours:
        text = text.replace(mentions[entity], " ")
    return " ".join(text.split())


def _where(error: BaseException | None) -> str | None:
    """Where ``error`` came from, for the log: Telegram's own description, or file and line.

    An exception's message may quote what a user typed, so only Telegram's are logged.
    """
    if error is None:
        return None
    if isinstance(error, TelegramError):
        return error.message
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return None
    last = frames[-1]
    return f"{last.filename.rsplit('/', 1)[-1]}:{last.lineno}"
