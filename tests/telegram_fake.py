"""A fake Telegram Bot API server on 127.0.0.1, for driving the real PTB client in tests.

It speaks the Bot API as PTB uses it: form-encoded POSTs to ``{base_url}{token}/{method}``,
answers ``{"ok": true, "result": ...}``. It records every call, holds ``getUpdates`` until an
update arrives or the poll's timeout passes, checks what Telegram checks (HTML that parses,
at most 4,096 characters, callback data of 1 to 64 bytes, a message to edit that exists and
changes) and can be told to fail the next call of a method (429 with ``retry_after``, 500) or
to answer every call of a method late.
Unknown methods get 400, never 404 or 401: those mean "invalid token" to PTB, which then
stops polling for good. A wrong token gets 401, as Telegram answers it.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from telegram.ext import Application
from telegram.request import HTTPXRequest

from polbot.channels.telegram.bot import ChannelHandler, build_application, poll

TOKEN = "123456789:AAHfakeTokenForLoopbackTests_0123456"
BOT_ID = 123456789
BOT_USERNAME = "polbot_test_bot"
_RAW_FIELDS = frozenset(
    {"text", "parse_mode", "callback_query_id", "url", "secret_token", "data", "caption"}
)
# The tags Telegram's HTML parse mode knows.
_TAGS = frozenset({"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code"})
_HTML_TOKEN = re.compile(
    r"<(/?)([a-z-]+)((?:\s+[a-z-]+=\"[^\"<>]*\")*)\s*>|&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);"
)
# What Telegram says with the statuses tests can ask for.
_FAULTS = {
    403: "Forbidden: bot was blocked by the user",
    429: "Too Many Requests: retry later",
    500: "Internal Server Error",
}


@dataclass
class Call:
    """One request the fake received: the method, its decoded fields, the answer's status."""

    method: str
    params: dict[str, Any]
    status: int
    description: str = ""
    at: float = field(default_factory=time.perf_counter)


class BadRequestError(Exception):
    """What Telegram answers with 400 and a description."""


class FakeBotApi:
    """The fake server; ``async with FakeBotApi() as api:`` starts and stops it."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.base_url = ""
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._arrived = asyncio.Condition()
        self._faults: dict[str, deque[tuple[int, int | None]]] = defaultdict(deque)
        self._delays: dict[str, float] = {}
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._closing = asyncio.Event()
        self._polls_ended = False
        self._runner: web.AppRunner | None = None

    async def __aenter__(self) -> FakeBotApi:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}/bot"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._closing.set()
        async with self._arrived:
            self._arrived.notify_all()
        assert self._runner is not None
        await self._runner.cleanup()

    # --- what tests use ---------------------------------------------------------------

    def push(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue ``update`` (an ``update_id`` is added) for the next ``getUpdates``."""
        update = {"update_id": next(self._update_ids), **update}
        self._updates.append(update)
        asyncio.get_running_loop().create_task(self._notify())
        return update

    def end_polls(self) -> None:
        """Answer the pending ``getUpdates`` and every later one at once, as Telegram does when
        a poll's timeout passes: a test of stopping need not wait a long poll out."""
        self._polls_ended = True
        asyncio.get_running_loop().create_task(self._notify())

    def fail_next(self, method: str, status: int, retry_after: int | None = None) -> None:
        """The next call of ``method`` fails with ``status`` (and ``retry_after``, for 429)."""
        self._faults[method].append((status, retry_after))

    def delay(self, method: str, seconds: float) -> None:
        """Every later call of ``method`` takes effect (and is recorded) at once and is answered
        ``seconds`` later: a slow Bot API, at which a request that timed out has still arrived."""
        self._delays[method] = seconds

    def of(self, method: str, status: int | None = 200) -> list[Call]:
        """The recorded calls of ``method`` (with that answer status; ``None``: any)."""
        return [c for c in self.calls if c.method == method and status in (None, c.status)]

    async def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 10.0,
        where: Callable[[Call], bool] = lambda call: True,
    ) -> list[Call]:
        """Waits until ``count`` successful calls of ``method`` match ``where``; returns them."""
        deadline = time.monotonic() + timeout
        while True:
            found = [call for call in self.of(method) if where(call)]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                seen = [(c.method, c.status) for c in self.calls]
                raise AssertionError(f"{count} x {method} not seen in {timeout}s; calls: {seen}")
            await asyncio.sleep(0.01)

    def message(self, chat_id: int, text: str, **fields: Any) -> dict[str, Any]:
        """A user's text message; commands get their ``bot_command`` entity."""
        chat = _chat(chat_id, fields.pop("chat_type", "private"))
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": _user(fields.pop("user_id", chat_id), fields.pop("first_name", "Test")),
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        message.update(fields)
        return {"message": message}

    def photo(self, chat_id: int) -> dict[str, Any]:
        """A user's photo without caption."""
        update = self.message(chat_id, "")
        del update["message"]["text"]
        update["message"]["photo"] = [
            {"file_id": "f1", "file_unique_id": "u1", "width": 90, "height": 90}
        ]
        return update

    def press(self, chat_id: int, data: str, message: dict[str, Any] | None = None) -> dict:
        """A press on a button with ``data`` under ``message`` (default: the bot's last one)."""
        if message is None:
            mine = [m for (chat, _), m in self._messages.items() if chat == chat_id]
            message = mine[-1]
        return {
            "callback_query": {
                "id": str(next(self._query_ids)),
                "from": _user(chat_id, "Test"),
                "chat_instance": "instance",
                "data": data,
                "message": message,
            }
        }

    def sent_texts(self, chat_id: int) -> list[str]:
        """The texts of the messages the bot sent or edited in ``chat_id``, in order."""
        return [
            call.params["text"]
            for call in self.calls
            if call.method in ("sendMessage", "editMessageText")
            and call.status == 200
            and call.params.get("chat_id") == chat_id
        ]

    # --- the server -------------------------------------------------------------------

    async def _notify(self) -> None:
        async with self._arrived:
            self._arrived.notify_all()

    async def _dispatch(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        response = await self._respond(request, method)
        if method in self._delays:
            await asyncio.sleep(self._delays[method])
        return response

    async def _respond(self, request: web.Request, method: str) -> web.Response:
        token = request.match_info["token"]
        params = _decode(await request.post())
        if token != self.token:
            return self._answer(method, params, 401, description="Unauthorized")
        if self._faults[method]:
            status, retry_after = self._faults[method].popleft()
            extra = {"parameters": {"retry_after": retry_after}} if retry_after else {}
            description = _FAULTS.get(status, "Internal Server Error")
            return self._answer(method, params, status, description=description, **extra)
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return self._answer(method, params, 400, description="Bad Request: method not found")
        try:
            result = await handler(params)
        except BadRequestError as exc:
            return self._answer(method, params, 400, description=f"Bad Request: {exc}")
        return self._answer(method, params, 200, result=result)

    def _answer(
        self, method: str, params: dict[str, Any], status: int, **body: Any
    ) -> web.Response:
        self.calls.append(Call(method, params, status, body.get("description", "")))
        if status == 200:
            return web.json_response({"ok": True, **body})
        return web.json_response({"ok": False, "error_code": status, **body}, status=status)

    async def _m_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Polbot",
            "username": BOT_USERNAME,
            "can_join_groups": True,
        }

    async def _m_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = params.get("offset") or 0
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        async with self._arrived:
            while not self._updates and not self._closing.is_set() and not self._polls_ended:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    await asyncio.wait_for(self._arrived.wait(), remaining)
                except TimeoutError:
                    break
        return list(self._updates[: params.get("limit") or 100])

    async def _m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        _check_message(params)
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": _chat(params["chat_id"], "private" if params["chat_id"] > 0 else "group"),
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Polbot"},
            "text": visible_text(params["text"]),
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        self._messages[(params["chat_id"], message["message_id"])] = message
        return message

    async def _m_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        _check_message(params)
        message = self._messages.get((params.get("chat_id"), params.get("message_id")))
        if message is None:
            raise BadRequestError("message to edit not found")
        text, markup = visible_text(params["text"]), params.get("reply_markup")
        if message["text"] == text and message.get("reply_markup") == markup:
            raise BadRequestError(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        message["text"] = text
        if markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        return message

    async def _m_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        return True

    async def _m_setMyCommands(self, params: dict[str, Any]) -> bool:
        for command in params["commands"]:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command["command"]):
                raise BadRequestError("BOT_COMMAND_INVALID")
            if not 1 <= len(command["description"]) <= 256:
                raise BadRequestError("BOT_COMMAND_DESCRIPTION_INVALID")
        return True

    async def _m_setWebhook(self, params: dict[str, Any]) -> bool:
        secret = params.get("secret_token", "")
        if secret and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise BadRequestError("secret token contains unallowed characters")
        return True

    async def _m_deleteWebhook(self, params: dict[str, Any]) -> bool:
        return True


def _decode(form: Any) -> dict[str, Any]:
    """Form fields as PTB encodes them: strings raw, everything else JSON."""
    params: dict[str, Any] = {}
    for key, value in form.items():
        params[key] = value if key in _RAW_FIELDS else json.loads(value)
    return params


def _check_message(params: dict[str, Any]) -> None:
    html_mode = params.get("parse_mode") == "HTML"
    visible = visible_text(params["text"]) if html_mode else params["text"]
    if not visible.strip():
        raise BadRequestError("message text is empty")
    if len(visible) > 4096:
        raise BadRequestError("message is too long")
    for row in (params.get("reply_markup") or {}).get("inline_keyboard", []):
        for button in row:
            if not 1 <= len(button.get("callback_data", "").encode()) <= 64:
                raise BadRequestError("BUTTON_DATA_INVALID")


def visible_text(text: str) -> str:
    """The text a user sees of Telegram HTML; :class:`BadRequestError` if it does not parse."""
    open_tags: list[str] = []
    visible: list[str] = []
    position = 0
    for match in _HTML_TOKEN.finditer(text):
        visible.append(_plain(text[position : match.start()]))
        position = match.end()
        closing, tag, entity = match.group(1), match.group(2), match.group(4)
        if entity:
            visible.append(html.unescape(match.group(0)))
        elif tag not in _TAGS:
            raise BadRequestError(f'can\'t parse entities: unsupported start tag "{tag}"')
        elif closing:
            if not open_tags or open_tags.pop() != tag:
                raise BadRequestError(f'can\'t parse entities: unexpected end tag "{tag}"')
        else:
            open_tags.append(tag)
    visible.append(_plain(text[position:]))
    if open_tags:
        raise BadRequestError(f'can\'t parse entities: unclosed start tag "{open_tags[-1]}"')
    return "".join(visible)


def _plain(segment: str) -> str:
    if "<" in segment or ">" in segment or "&" in segment:
        raise BadRequestError("can't parse entities: unescaped character in text")
    return segment


def _chat(chat_id: int, chat_type: str) -> dict[str, Any]:
    if chat_type == "private":
        return {"id": chat_id, "type": "private", "first_name": "Test"}
    return {"id": chat_id, "type": chat_type, "title": "Test group"}


def _user(user_id: int, first_name: str) -> dict[str, Any]:
    return {"id": abs(user_id), "is_bot": False, "first_name": first_name}


def loopback_request(**timeouts: float) -> HTTPXRequest:
    """An HTTP client for PTB that ignores proxy settings: the fake is on loopback.

    ``timeouts`` are HTTPXRequest's (``read_timeout=0.3``): short ones keep a test quick.
    """
    return HTTPXRequest(connection_pool_size=16, httpx_kwargs={"trust_env": False}, **timeouts)


@asynccontextmanager
async def polling_bot(
    api: FakeBotApi, handler: ChannelHandler, **options: Any
) -> AsyncIterator[Application]:
    """The real bot polling ``api`` with ``handler``, from start-up to a clean stop."""
    application = build_application(
        handler,
        token=api.token,
        base_url=api.base_url,
        request=loopback_request(),
        get_updates_request=loopback_request(),
        **options,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(poll(application, handler, stop, poll_timeout=1))
    try:
        # Polling starts right after deleteWebhook; getUpdates is recorded when it returns.
        await api.wait_for("deleteWebhook")
        yield application
    finally:
        stop.set()
        await task
