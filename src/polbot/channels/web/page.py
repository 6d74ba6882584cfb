"""The web chat page: an HTML template whose texts come from the knowledge base.

``{{ key }}`` in the template is replaced by the HTML-escaped message ``key``; the page is
rendered once at start-up, so a missing text stops the server instead of showing a hole.
A message's ``{fields}`` stay as they are, for the page's script to fill in, and
``{{ question-limit }}`` is the longest question the assistant takes.

The template names its files relatively (``static/app.js``) and so does the script
(``api/chat``): behind a proxy that serves polbot under a path prefix the page still works.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from importlib.resources import files

from polbot.dialogue.assistant import MAX_QUESTION_CHARS
from polbot.knowledge.messages import MESSAGE_FIELDS

_PLACEHOLDER = re.compile(r"\{\{\s*([a-z0-9-]+)\s*\}\}")

STATIC_DIR = files("polbot.channels.web") / "static"
"""The page's stylesheet, script and icon, served under ``/static/``."""


def render_page(message: Callable[[str], str]) -> str:
    """The chat page with every ``{{ key }}`` replaced by ``html.escape(message(key))``."""
    template = (files("polbot.channels.web") / "templates" / "index.html").read_text("utf-8")
    values = {"question-limit": str(MAX_QUESTION_CHARS)}

    def text(key: str) -> str:
        if key in values:
            return values[key]
        return message(key, **{name: f"{{{name}}}" for name in MESSAGE_FIELDS.get(key, ())})

    return _PLACEHOLDER.sub(lambda match: html.escape(text(match[1])), template)
