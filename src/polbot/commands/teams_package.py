"""``polbot teams-package``: write the Teams app package (:mod:`polbot.channels.teams.package`).

The bot id comes from ``--app-id``, else the configuration (``channels.teams.app_id`` or
``CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID``); the address from ``--public-url``,
else ``public_url``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from polbot.commands.options import add_config_option
from polbot.errors import TeamsPackageError
from polbot.runtime.assembly import Assembly
from polbot.vocabulary import TEAMS_APP_ID_ENV


def teams_package_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``polbot teams-package``."""
    parser.add_argument("--out", type=Path, default=Path("polbot-teams.zip"), help="zip to write")
    parser.add_argument(
        "--app-id",
        help=f"the bot's Microsoft App ID (default: channels.teams.app_id or {TEAMS_APP_ID_ENV})",
    )
    parser.add_argument("--public-url", help="https:// address of the server (default: public_url)")
    add_config_option(parser)


def teams_package(args: argparse.Namespace) -> int:
    """Write the package for the configured or given bot id and address."""
    from polbot.channels.teams.package import MANIFEST_VERSION, build_package
    from polbot.server.config import load_settings

    settings = load_settings(args.config)
    app_id = args.app_id or settings.channels.teams.app_id
    public_url = args.public_url or settings.public_url
    if not app_id:
        raise TeamsPackageError(
            f"no app id: pass --app-id or set channels.teams.app_id ({TEAMS_APP_ID_ENV})"
        )
    if not public_url:
        raise TeamsPackageError("no public URL: pass --public-url or set public_url")
    package = build_package(Assembly.load(settings.knowledge_dir).kb, app_id, public_url)
    try:
        args.out.write_bytes(package)
    except OSError as exc:
        raise TeamsPackageError(f"cannot write {args.out}: {exc.strerror}") from exc
    print(f"wrote {args.out} (Teams app {app_id}, manifest {MANIFEST_VERSION})")
    return 0
