"""The web chat page: an HTML template whose texts come from the knowledge base.

``{{ key }}`` in the template is replaced by the HTML-escaped message ``key``; the page is
rendered once at start-up, so a missing text stops the server instead of showing a hole.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from importlib.resources import files

_PLACEHOLDER = re.compile(r"\{\{\s*([a-z0-9-]+)\s*\}\}")

STATIC_DIR = files("polbot.channels.web") / "static"
"""The page's stylesheet, script and icon, served under ``/static/``."""


def render_page(message: Callable[[str], str]) -> str:
    """The chat page with every ``{{ key }}`` replaced by ``html.escape(message(key))``."""
    template = (files("polbot.channels.web") / "templates" / "index.html").read_text("utf-8")
    return _PLACEHOLDER.sub(lambda match: html.escape(message(match[1])), template)
