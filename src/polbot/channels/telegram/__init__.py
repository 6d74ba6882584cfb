"""The Telegram channel: the assistant as a Telegram bot, by long polling or by webhook.

``polbot telegram`` polls (:mod:`.cli`); ``polbot serve`` mounts the webhook (:mod:`.webhook`).
Replies become HTML messages with inline keyboards (:mod:`.render`); the PTB application and
its handlers are built in :mod:`.bot`.
"""
