"""``polbot telegram``: the bot by long polling, with nothing but ``TELEGRAM_BOT_TOKEN`` set.

Polling needs no public address, so it suits a first try and small deployments; only one
process may poll a bot. For more, run the webhook inside ``polbot serve``. As there, the
knowledge base is live: a change to its folder, or SIGHUP, reloads it without a restart
(:mod:`polbot.runtime.reload`; a broken folder is refused and the old one goes on answering).
"""

from __future__ import annotations

import argparse
import asyncio
import os

from polbot.channels.telegram.settings import DEFAULT_API_BASE_URL
from polbot.commands.options import add_kb_option
from polbot.paths import default_knowledge_dir
from polbot.runtime.assembly import Assembly
from polbot.vocabulary import TELEGRAM_API_ENV, TELEGRAM_TOKEN_ENV


def telegram_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``polbot telegram``."""
    add_kb_option(parser)
    parser.epilog = (
        f"environment: {TELEGRAM_TOKEN_ENV} (required, from @BotFather), "
        f"{TELEGRAM_API_ENV} (default {DEFAULT_API_BASE_URL})"
    )


def telegram(args: argparse.Namespace) -> int:
    """Poll Telegram and answer until SIGINT or SIGTERM."""
    from polbot.channels.telegram.bot import (
        build_application,
        check_base_url,
        check_token,
        poll_until_signalled,
    )
    from polbot.runtime.logs import setup_logging
    from polbot.runtime.reload import Reloader, ignore_hangups, reload_on_hangup

    token = check_token(os.environ.get(TELEGRAM_TOKEN_ENV))
    base_url = check_base_url(os.environ.get(TELEGRAM_API_ENV))
    ignore_hangups()
    setup_logging("INFO")
    folder = args.kb or default_knowledge_dir()
    parts = Assembly.load(folder)
    handler = parts.handler("telegram")
    application = build_application(handler, token=token, base_url=base_url)
    reloader = Reloader(folder, parts)

    async def polling() -> None:
        reload_on_hangup(asyncio.get_running_loop(), reloader)
        async with reloader.watching():
            await poll_until_signalled(application, handler)

    asyncio.run(polling())
    return 0
