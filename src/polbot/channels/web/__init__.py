"""The web chat: a page at ``/``, its static files, and the JSON API ``POST /api/chat``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web

from polbot.channels.web import api, page

if TYPE_CHECKING:
    from polbot.channels import ChannelHandler
    from polbot.channels.web.settings import WebSettings

__all__ = ["mount"]


def mount(app: web.Application, handler: ChannelHandler, settings: WebSettings) -> None:
    """Add the page, its static files and the chat API to ``app``.

    ``settings`` (``channels.web``) has nothing the routes need besides ``enabled``.
    """
    html = page.render_page(handler.message)

    async def index(_request: web.Request) -> web.Response:
        return web.Response(text=html, content_type="text/html")

    app.router.add_get("/", index)
    app.router.add_post("/api/chat", api.chat_route(handler))
    app.router.add_static("/static/", Path(str(page.STATIC_DIR)), name="static")
