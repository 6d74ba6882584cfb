"""The Telegram bot: a python-telegram-bot application that turns updates into dialogue events
and the assistant's replies into HTML messages with inline keyboards.

The same application serves both ways of running: long polling (``polbot telegram``) and the
webhook inside ``polbot serve`` (built with ``webhook=True``, which leaves out PTB's own
updater: the webhook hands each update to :func:`deliver`, inside its request).

Behaviour, as in the handbook: commands and free text get the assistant's replies; a pressed
button is answered first and its message edited in place (a rating is answered below the
answer it rates, which stays); anything that is not text gets a
short reply that only text is understood. In groups only commands and messages that mention
the bot are answered.
"""

from __future__ import annotations

import asyncio
import logging
import re
import signal
import traceback
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from contextvars import ContextVar
from datetime import timedelta
from typing import Any

import httpx
from aiolimiter import AsyncLimiter
from telegram import (
    Bot,
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
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    CallbackQueryHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    SimpleUpdateProcessor,
    filters,
)
from telegram.request import BaseRequest

from polbot.channels import ChannelHandler
from polbot.channels.telegram.render import render
from polbot.channels.telegram.settings import DEFAULT_API_BASE_URL
from polbot.dialogue.events import ButtonPress, Command, Event, TextMessage
from polbot.dialogue.payloads import home
from polbot.dialogue.replies import Button, Paragraph, Reply, Span
from polbot.errors import TelegramSetupError
from polbot.vocabulary import TELEGRAM_API_ENV, TELEGRAM_MENU, TELEGRAM_TOKEN_ENV

log = logging.getLogger("polbot.telegram")

ALLOWED_UPDATES = ("message", "callback_query")
MESSAGES_PER_SECOND = 30
"""Telegram's limit for one bot across all chats; the rate limiter keeps below it."""
GROUP_MESSAGES_PER_MINUTE = 20
"""Telegram's limit for one bot in one group."""
RATE_LIMIT_RETRIES = 3
NETWORK_RETRIES = 3
NETWORK_BACKOFF_SECONDS = 0.5
CONCURRENT_UPDATES = 16
"""Updates processed at once (from different chats; one chat's updates keep their order)."""

# <digits>:<35 or so characters of A-Z a-z 0-9 _ ->, as BotFather hands them out.
_TOKEN = re.compile(r"^[0-9]{3,20}:[A-Za-z0-9_-]{30,60}$")
_BASE_URL = re.compile(r"^https?://\S+$")


_ApiResult = bool | dict[str, Any] | list[dict[str, Any]]
"""What a Bot API call returns, before PTB turns it into objects."""
Outgoing = tuple[str, InlineKeyboardMarkup | None]
"""One Telegram message to send: HTML text and the keyboard under it."""


def check_token(token: str | None) -> str:
    """``token`` if it has the shape of a bot token; :class:`TelegramSetupError` otherwise.

    The message never repeats the token: it is a secret, and error output ends up in logs.
    """
    if not token:
        raise TelegramSetupError(
            f"{TELEGRAM_TOKEN_ENV} is not set: create a bot with @BotFather and set its token"
        )
    if not _TOKEN.match(token.strip()):
        raise TelegramSetupError(
            f"{TELEGRAM_TOKEN_ENV} does not look like a bot token "
            "(<digits>:<about 35 letters, digits, '_' or '-'>, as @BotFather gives it)"
        )
    return token.strip()


def check_base_url(value: str | None) -> str:
    """The Bot API's base URL ``value`` (``None`` or empty: Telegram's own);
    :class:`TelegramSetupError` unless it is an ``http://`` or ``https://`` address."""
    if not value:
        return DEFAULT_API_BASE_URL
    if not _BASE_URL.match(value):
        raise TelegramSetupError(f"{TELEGRAM_API_ENV} must be an http:// or https:// address")
    return value


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
        .rate_limiter(ResilientRateLimiter(messages_per_second))
        .concurrent_updates(ChatOrderedProcessor(CONCURRENT_UPDATES))
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
            f"the Bot API server rejected {TELEGRAM_TOKEN_ENV} (401 Unauthorized): "
            "check the token @BotFather gave"
        ) from exc
    except TelegramError as exc:
        raise TelegramSetupError(
            f"cannot reach the Bot API server ({type(exc).__name__}): "
            f"check {TELEGRAM_API_ENV} and the network"
        ) from exc
    await application.bot.set_my_commands(
        [BotCommand(name, handler.message(f"telegram-command-{name}")) for name in TELEGRAM_MENU]
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
            timeout=timedelta(seconds=poll_timeout),
            allowed_updates=ALLOWED_UPDATES,
            error_callback=polling_error,
        )
        await application.start()
        await stop.wait()
    finally:
        if updater.running:
            await updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()


async def poll_until_signalled(application: Application, handler: ChannelHandler) -> None:
    """:func:`poll` until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await poll(application, handler, stop)


def polling_error(exc: TelegramError) -> None:
    """Logs a failed ``getUpdates`` in one line; the updater retries by itself."""
    log.warning(
        "telegram polling failed", extra={"channel": "telegram", "error": type(exc).__name__}
    )


class _Delivery:
    """What became of one update handled by :func:`deliver`, noted by the error handler."""

    redeliver = False


_delivery: ContextVar[_Delivery | None] = ContextVar("polbot_telegram_delivery", default=None)


async def deliver(application: Application, update: Update) -> bool:
    """Handles ``update`` now, in the caller's task, in its chat's turn; ``False`` when its
    replies could not be sent for a reason that may pass (the Bot API out of reach or
    failing, a 429 beyond the retries): the webhook then asks Telegram to send it again.

    PTB's error handler runs in the same task (its handlers are blocking), so it notes the
    outcome in a context variable that only this call sees.
    """
    delivery = _Delivery()
    token = _delivery.set(delivery)
    work = application.process_update(update)
    try:
        await application.update_processor.process_update(update, work)
    finally:
        work.close()  # never started if cancelled while waiting for its turn: no warning
        _delivery.reset(token)
    return not delivery.redeliver


def _may_pass(error: BaseException | None) -> bool:
    """Whether sending the same replies again later may work: a 429 still in force, or a
    network error or 5xx, but not a refusal and not a request that may have arrived."""
    if isinstance(error, TimedOut):
        return not may_have_arrived(error)
    return isinstance(error, RetryAfter) or (
        isinstance(error, NetworkError) and not isinstance(error, BadRequest)
    )


class ResilientRateLimiter(BaseRateLimiter[int]):
    """Keeps the bot within Telegram's limits and retries what may work a moment later.

    - At most ``messages_per_second`` messages across all chats (``None``: no overall limit)
      and 20 a minute in one group, as PTB's ``AIORateLimiter`` does.
    - A ``429 Too Many Requests`` pauses only the chat it concerns, for the ``retry_after``
      Telegram asks, then the request is tried again (up to 3 times). ``AIORateLimiter``
      halts every chat instead, so one busy chat stalled all users; the overall limit above
      keeps the bot clear of Telegram's global limit, so a 429 is about one chat.
    - A network error or a 5xx, or a request that timed out before it went out (no
      connection yet), is retried after 0.5, 1 and 2 seconds.
    - A :class:`BadRequest` is final, and a request that timed out after it went out is
      not repeated: it may have arrived, and a question answered twice is worse than a
      rare lost answer.
    """

    def __init__(self, messages_per_second: float | None = MESSAGES_PER_SECOND) -> None:
        self._overall = AsyncLimiter(messages_per_second, 1) if messages_per_second else None
        self._groups: dict[int | str, AsyncLimiter] = {}
        self._paused: dict[object, float] = {}
        """Chat id (``None`` for requests without one) -> loop time its 429 pause ends."""

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, _ApiResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> _ApiResult:
        chat = data.get("chat_id")
        rate_limited = failed = 0
        while True:
            await self._pause_over(chat)
            await self._acquire(chat)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if rate_limited == RATE_LIMIT_RETRIES:
                    raise
                rate_limited += 1
                self._pause(chat, exc.retry_after)
                log.info("telegram chat rate limited, waiting", extra={"channel": "telegram"})
            except TimedOut as exc:
                if may_have_arrived(exc):
                    raise
                failed = await self._back_off(exc, failed)
            except BadRequest:
                raise
            except NetworkError as exc:
                failed = await self._back_off(exc, failed)

    async def _acquire(self, chat: object) -> None:
        """Waits for the limiters a message to ``chat`` passes: a group's own (negative ids,
        or the ``@name`` of a channel), then the overall one. Other calls pass freely."""
        if chat is None:
            return
        if isinstance(chat, str) or (isinstance(chat, int) and chat < 0):
            await self._group(chat).acquire()
        if self._overall is not None:
            await self._overall.acquire()

    def _group(self, chat: int | str) -> AsyncLimiter:
        if len(self._groups) > 512:  # forget groups whose limiter is back at full capacity
            for key, limiter in list(self._groups.items()):
                if key != chat and limiter.has_capacity(limiter.max_rate):
                    del self._groups[key]
        if chat not in self._groups:
            self._groups[chat] = AsyncLimiter(GROUP_MESSAGES_PER_MINUTE, 60)
        return self._groups[chat]

    def _pause(self, chat: object, retry_after: int | timedelta) -> None:
        seconds = retry_after.total_seconds() if isinstance(retry_after, timedelta) else retry_after
        now = asyncio.get_running_loop().time()
        if len(self._paused) > 512:
            self._paused = {key: end for key, end in self._paused.items() if end > now}
        self._paused[chat] = max(self._paused.get(chat, now), now + seconds)

    async def _pause_over(self, chat: object) -> None:
        """Waits while Telegram asked this chat to wait (a pause may grow while waiting)."""
        loop = asyncio.get_running_loop()
        while (end := self._paused.get(chat)) is not None:
            if end <= loop.time():
                del self._paused[chat]
                return
            await asyncio.sleep(end - loop.time())

    @staticmethod
    async def _back_off(exc: NetworkError, failed: int) -> int:
        if failed == NETWORK_RETRIES:
            raise exc
        log.warning(
            "telegram request failed, retrying",
            extra={"channel": "telegram", "error": type(exc).__name__},
        )
        await asyncio.sleep(NETWORK_BACKOFF_SECONDS * 2**failed)
        return failed + 1


def may_have_arrived(exc: TimedOut) -> bool:
    """Whether a timed-out request may have reached Telegram: all but those that never had a
    connection (no connection made, or none free in the pool)."""
    return not isinstance(exc.__cause__, httpx.ConnectTimeout | httpx.PoolTimeout)


class ChatOrderedProcessor(SimpleUpdateProcessor):
    """Processes updates of different chats concurrently, and those of one chat in order.

    Two questions typed quickly get their answers in the order they were asked, even when
    sending the first answer takes a retry; a chat waiting for its turn holds no slot.
    """

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._chats: dict[int, tuple[asyncio.Lock, int]] = {}

    # PTB marks process_update final (subclasses are to override do_process_update, which
    # runs inside the concurrency slot); the chat's lock must be taken before the slot, so
    # that a chat waiting for its turn holds none.
    async def process_update(  # type: ignore[misc]
        self, update: object, coroutine: Awaitable[Any]
    ) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await super().process_update(update, coroutine)
            return
        lock, users = self._chats.get(chat.id, (asyncio.Lock(), 0))
        self._chats[chat.id] = (lock, users + 1)
        try:
            async with lock:
                await super().process_update(update, coroutine)
        finally:
            lock, users = self._chats[chat.id]
            if users == 1:
                del self._chats[chat.id]
            else:
                self._chats[chat.id] = (lock, users - 1)


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

    # The handlers' filters admit only updates with a message (or a callback query): the
    # early returns are for the type checker, which cannot know that.

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None:
            return
        name = _command_for(message, context.bot.username)
        if name is not None:
            await self._reply(message, context, Command(name))

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None:
            return
        if message.chat.type == Chat.PRIVATE:
            await self._reply(message, context, TextMessage(message.text or ""))
            return
        question = _addressed_text(message, context.bot)
        if question is not None:
            await self._reply(message, context, TextMessage(question))

    async def on_other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or message.chat.type != Chat.PRIVATE:
            return  # a photo in a group is not addressed to the bot
        reply = Reply(
            (Paragraph((Span(self._handler.message("telegram-text-only")),)),),
            (Button(self._handler.message("telegram-menu-button"), home()),),
            kind="help",
        )
        await _send(context, message.chat_id, _outgoing((reply,)), quote=None)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        await _acknowledge(query)
        replies = self._handler.handle(ButtonPress(query.data or ""))
        outgoing = _outgoing(replies)
        message = query.message
        # Navigation replaces the message it was pressed on, as the handbook's pages do; a
        # rating answers below the answer it rates, which stays readable.
        navigates = not any(reply.kind == "feedback" for reply in replies)
        if (
            navigates
            and isinstance(message, Message)
            and outgoing
            and await _edit(message, outgoing[0])
        ):
            outgoing = outgoing[1:]
        chat = update.effective_chat
        if chat is not None:
            await _send(context, chat.id, outgoing, quote=None)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        error = context.error
        extra = {"channel": "telegram", "error": type(error).__name__, "reason": _where(error)}
        delivery = _delivery.get()
        if delivery is not None and _may_pass(error):
            delivery.redeliver = True
            log.warning("telegram update not answered, Telegram sends it again", extra=extra)
        elif isinstance(error, TimedOut):
            # Sent, and Telegram's answer came too late: the message has most likely arrived.
            log.warning("telegram request timed out", extra=extra)
        else:
            log.error("telegram update failed", extra=extra)

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


def _addressed_text(message: Message, bot: Bot) -> str | None:
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
    text = message.text or ""
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
