"""The web chat: a page at ``/``, its static files, and the JSON API ``POST /api/chat``."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from polbot.channels import ChannelHandler
from polbot.channels.web.api import chat_route
from polbot.channels.web.page import STATIC_DIR, render_page
from polbot.channels.web.settings import WebSettings

__all__ = ["mount"]


def mount(app: web.Application, handler: ChannelHandler, settings: WebSettings) -> None:
    """Add the page, its static files and the chat API to ``app``.

    ``settings`` (``channels.web``) has nothing the routes need besides ``enabled``.
    """
    page = render_page(handler.message)

    async def index(_request: web.Request) -> web.Response:
        return web.Response(text=page, content_type="text/html")

    app.router.add_get("/", index)
    app.router.add_post("/api/chat", chat_route(handler))
    app.router.add_static("/static/", Path(str(STATIC_DIR)), name="static")
