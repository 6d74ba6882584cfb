"""The Telegram channel: the assistant as a Telegram bot, by long polling or by webhook.

``polbot telegram`` polls (:func:`.bot.poll`); ``polbot serve`` mounts the webhook
(:mod:`.webhook`). Replies become HTML messages with inline keyboards (:mod:`.render`); the
PTB application and its handlers are built in :mod:`.bot`. The package itself exports
nothing: each module is imported where it is needed.
"""

import os

# python-telegram-bot 22 reads time periods such as a 429's ``retry_after`` as integers
# unless a program opts in to the ``timedelta`` of its next major version, and warns
# (PTBDeprecationWarning, printed on stderr) on every 429 until it does. polbot reads no
# such value itself, and PTB's rate limiter uses the timedelta either way: opt in, the way
# PTB documents. An operator's own PTB_TIMEDELTA wins.
os.environ.setdefault("PTB_TIMEDELTA", "true")

__all__: list[str] = []
