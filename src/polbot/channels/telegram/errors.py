"""Errors of the Telegram channel.

::

    TelegramSetupError        the bot cannot start: no token, a malformed or rejected token,
                              no webhook secret or public URL, an unreachable Bot API server

Errors while the bot runs are not raised to the caller: the application's error handler
logs them in one line and the bot goes on with the next update.
"""

from __future__ import annotations


class TelegramSetupError(ValueError):
    """The bot cannot start; the message says which setting is wrong, never its value."""
