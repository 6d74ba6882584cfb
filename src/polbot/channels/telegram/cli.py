"""``polbot telegram``: the bot by long polling, with nothing but ``TELEGRAM_BOT_TOKEN`` set.

Polling needs no public address, so it suits a first try and small deployments; only one
process may poll a bot. For more, run the webhook inside ``polbot serve``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
from pathlib import Path

from telegram.ext import Application

from polbot.channels.telegram.bot import (
    DEFAULT_API_BASE_URL,
    ChannelHandler,
    build_application,
    check_token,
    poll,
)
from polbot.compose import add_kb_option, build_assistant, load_kb, print_error
from polbot.errors import TelegramSetupError

_BASE_URL = re.compile(r"^https?://\S+$")


def telegram_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``polbot telegram``."""
    add_kb_option(parser)
    parser.epilog = (
        "environment: TELEGRAM_BOT_TOKEN (required, from @BotFather), "
        f"TELEGRAM_API_BASE_URL (default {DEFAULT_API_BASE_URL})"
    )


def telegram(args: argparse.Namespace) -> int:
    """Poll Telegram and answer until SIGINT or SIGTERM; a setup problem is exit status 2."""
    try:
        token = check_token(os.environ.get("TELEGRAM_BOT_TOKEN"))
        base_url = _base_url(os.environ.get("TELEGRAM_API_BASE_URL"))
    except TelegramSetupError as exc:
        return _fail(exc)
    from polbot.server.logs import setup_logging

    setup_logging("INFO")
    handler = _handler(args.kb)
    if handler is None:
        return 2
    application = build_application(handler, token=token, base_url=base_url)
    try:
        asyncio.run(_poll_until_signal(application, handler))
    except TelegramSetupError as exc:
        return _fail(exc)
    return 0


def _handler(kb_dir: Path | None) -> ChannelHandler | None:
    """The assistant for ``kb_dir``, observed like the server's channels; ``None`` on error."""
    from polbot.server.metrics import Metrics
    from polbot.server.observe import observe

    kb = load_kb(kb_dir, "telegram")
    if kb is None:
        return None
    return observe(build_assistant(kb), "telegram", Metrics(), kb)


async def _poll_until_signal(application: Application, handler: ChannelHandler) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await poll(application, handler, stop)


def _base_url(value: str | None) -> str:
    if not value:
        return DEFAULT_API_BASE_URL
    if not _BASE_URL.match(value):
        raise TelegramSetupError("TELEGRAM_API_BASE_URL must be an http:// or https:// address")
    return value


def _fail(exc: TelegramSetupError) -> int:
    print_error("telegram", exc)
    return 2
