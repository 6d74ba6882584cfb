"""``POST /api/chat``: the JSON API behind the web page, also usable by an intranet.

In: exactly one of ``{"text": "..."}`` (a typed question), ``{"payload": "..."}`` (a pressed
button) or ``{"command": "start"}``. Out: ``{"replies": [...]}``, each reply with its plain
``text``, its ``buttons`` (``label``, ``payload``), its ``kind``, its ``page_id`` and its
``blocks`` (paragraphs and lists of spans with ``bold`` and ``link``, and tables: a
``header`` and ``rows`` of cells, each cell its spans, for rich rendering).

A malformed request gets a 4xx JSON answer ``{"error": {"code": ..., "message": ...}}``
whose message is a Dutch text from the knowledge base, and one warning line in the log.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from polbot.channels import ChannelHandler
from polbot.dialogue.events import ButtonPress, Command, Event, TextMessage
from polbot.dialogue.render import plain
from polbot.dialogue.replies import Block, BulletList, Reply, Span, Table
from polbot.errors import BadBodyError, BadRequestError
from polbot.runtime.body import read_json


class _BadRequestError(BadRequestError):
    """A request the API refuses, with the ``code`` of its error object."""

    def __init__(self, status: int, code: str, reason: str) -> None:
        super().__init__(status, reason)
        self.code = code


def chat_route(handler: ChannelHandler) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The aiohttp handler of ``POST /api/chat`` for ``handler``."""

    async def chat(request: web.Request) -> web.Response:
        try:
            event = _event(await _body(request))
        except _BadRequestError as bad:
            handler.reject(bad.reason)
            message = handler.message(f"web-error-{bad.code}")
            return web.json_response(
                {"error": {"code": bad.code, "message": message}}, status=bad.status
            )
        replies = handler.handle(event)
        return web.json_response({"replies": [reply_json(reply) for reply in replies]})

    return chat


async def _body(request: web.Request) -> Any:
    try:
        return await read_json(request)
    except BadBodyError as bad:
        code = "too-large" if bad.status == 413 else "invalid"
        raise _BadRequestError(bad.status, code, bad.reason) from bad


def _event(body: Any) -> Event:
    if not isinstance(body, dict):
        raise _BadRequestError(400, "invalid", "body is not an object")
    fields = set(body) & {"text", "payload", "command"}
    if len(fields) != 1 or len(body) != 1:
        raise _BadRequestError(400, "invalid", "need exactly one of text, payload, command")
    (field,) = fields
    value = body[field]
    if not isinstance(value, str):
        raise _BadRequestError(400, "invalid", f"{field} is not a string")
    if field == "text":
        return TextMessage(value)
    if field == "payload":
        return ButtonPress(value)
    return Command(value)


def reply_json(reply: Reply) -> dict[str, Any]:
    """One reply as the API returns it."""
    return {
        "text": plain(reply),
        "buttons": [{"label": b.label, "payload": b.payload} for b in reply.buttons],
        "kind": reply.kind,
        "page_id": reply.page_id,
        "blocks": [_block_json(block) for block in reply.blocks],
    }


def _block_json(block: Block) -> dict[str, Any]:
    if isinstance(block, BulletList):
        return {"type": "list", "items": [_spans_json(item) for item in block.items]}
    if isinstance(block, Table):
        return {
            "type": "table",
            "header": [_spans_json(cell) for cell in block.header],
            "rows": [[_spans_json(cell) for cell in row] for row in block.rows],
        }
    return {"type": "paragraph", "spans": _spans_json(block.spans)}


def _spans_json(spans: tuple[Span, ...]) -> list[dict[str, Any]]:
    return [{"text": s.text, "bold": s.bold, "link": s.link} for s in spans]
