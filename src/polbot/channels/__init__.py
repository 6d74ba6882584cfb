"""The channel adapters, and the two things they share: the :class:`ChannelHandler` each one
is given, and the registry :data:`CHANNELS` that the server mounts them from.

An adapter only translates between its platform and the dialogue's events and replies; it
never imports the search engine or the loader. What it gets is a :class:`ChannelHandler`:
the assistant, observed for that channel (:mod:`polbot.runtime.observe`), with the channel's
own texts and one way to refuse input. Each server channel's module has one
``mount(app, handler, settings)``, and :func:`register` calls it for every enabled one, as
Rasa's ``channels.register()`` does.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from polbot import errors

if TYPE_CHECKING:
    from aiohttp import web

    from polbot.dialogue.events import Event
    from polbot.dialogue.replies import Reply

__all__ = ["CHANNELS", "ChannelHandler", "register"]


class ChannelHandler(Protocol):
    """What every channel adapter needs from its host."""

    def handle(self, event: Event) -> tuple[Reply, ...]:
        """The assistant's replies to ``event`` (never raises: an apology instead)."""
        ...

    def message(self, key: str, **fields: str) -> str:
        """The knowledge base's text ``key``: a channel's own texts (``web-...``) live there."""
        ...

    def reject(self, reason: str, *, logged: bool = False) -> None:
        """Count input refused before it reached the assistant, and log it in one warning
        line (``logged``: the platform's SDK has logged it already). ``reason`` is a short
        fixed phrase, never the input."""
        ...


CHANNELS: dict[str, str] = {
    "web": "polbot.channels.web",
    "telegram": "polbot.channels.telegram.webhook",
    "teams": "polbot.channels.teams.endpoint",
}
"""Every channel the server can serve -> the module with its ``mount(app, handler, settings)``.
The name is also the channel's section of the configuration (``channels.<name>``) and its
label in logs and metrics. Modules are imported only when their channel is enabled."""


def register(
    app: web.Application, settings: Any, handler_for: Callable[[str], ChannelHandler]
) -> list[str]:
    """Mount every channel whose section of ``settings`` (``channels``) is enabled on ``app``,
    each with ``handler_for(name)``; the names of those mounted, in :data:`CHANNELS` order.

    Raises :class:`polbot.errors.ChannelSetupError` naming the channel whose setting is
    missing or wrong.
    """
    mounted = []
    for name, module in CHANNELS.items():
        section = getattr(settings, name)
        if not section.enabled:
            continue
        mount = importlib.import_module(module).mount
        try:
            mount(app, handler_for(name), section)
        except errors.SetupError as exc:
            where = f"channels.{name}"
            message = str(exc) if str(exc).startswith(where) else f"{where}: {exc}"
            raise errors.ChannelSetupError(message) from exc
        mounted.append(name)
    return mounted
