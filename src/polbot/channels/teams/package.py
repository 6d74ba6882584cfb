"""``polbot teams-package``: the Teams app package an administrator uploads.

The package is a zip of ``manifest.json`` (app manifest schema 1.22, the current version of
Microsoft's manifest documentation) and the two icons. The bot id comes from ``--app-id``, else
the configuration (``channels.teams.app_id`` or
``CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID``); the names, descriptions and command
descriptions are the ``teams-`` texts of the knowledge base. The same inputs give the same
bytes, so a package can be rebuilt and compared.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from polbot import __version__
from polbot.channels.teams.icons import ACCENT_HEX, color_icon, outline_icon
from polbot.compose import add_config_option, load_config, load_kb, print_error
from polbot.errors import TeamsPackageError
from polbot.knowledge.model import KnowledgeBase

MANIFEST_VERSION = "1.22"
MANIFEST_SCHEMA = (
    f"https://developer.microsoft.com/json-schemas/teams/v{MANIFEST_VERSION}"
    "/MicrosoftTeams.schema.json"
)
SCOPES = ("personal", "team", "groupChat")
COLOR_ICON = "color.png"
OUTLINE_ICON = "outline.png"
LANGUAGE = "nl-nl"
# Teams shows the command's title in its menu and sends it as the message text, so the title
# is the command word the endpoint recognises; the description is Dutch, from the knowledge.
COMMAND_ORDER = ("menu", "help", "contact")
"""The command menu, in order: the commands ``inbound.COMMANDS`` recognises."""
_GUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
# Zip entries carry a timestamp; a fixed one makes the package reproducible.
_ZIP_TIME = (2024, 1, 1, 0, 0, 0)


def manifest(kb: KnowledgeBase, app_id: str, public_url: str) -> dict[str, Any]:
    """The app manifest for the bot ``app_id`` served at ``public_url`` (``https://...``)."""
    if not _GUID.match(app_id):
        raise TeamsPackageError(f"app id {app_id!r} is not a GUID (the bot's Microsoft App ID)")
    host = urlsplit(public_url).hostname
    if urlsplit(public_url).scheme != "https" or not host:
        raise TeamsPackageError(f"public URL {public_url!r} is not an https:// address")
    commands = [
        {"title": name, "description": kb.message(f"teams-command-{name}")}
        for name in COMMAND_ORDER
    ]
    return {
        "$schema": MANIFEST_SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": __version__,
        "id": app_id,
        "localizationInfo": {"defaultLanguageTag": LANGUAGE},
        "developer": {
            "name": kb.message("teams-developer-name"),
            "websiteUrl": public_url,
            "privacyUrl": public_url,
            "termsOfUseUrl": public_url,
        },
        "name": {"short": kb.message("teams-name-short"), "full": kb.message("teams-name-full")},
        "description": {
            "short": kb.message("teams-description-short"),
            "full": kb.message("teams-description-full"),
        },
        "icons": {"color": COLOR_ICON, "outline": OUTLINE_ICON},
        "accentColor": ACCENT_HEX,
        "bots": [
            {
                "botId": app_id,
                "scopes": list(SCOPES),
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [{"scopes": list(SCOPES), "commands": commands}],
            }
        ],
        "validDomains": [host],
    }


def build_package(kb: KnowledgeBase, app_id: str, public_url: str) -> bytes:
    """The zip an administrator uploads to Teams: manifest and icons at its root."""
    files = {
        "manifest.json": json.dumps(
            manifest(kb, app_id, public_url), ensure_ascii=False, indent=2
        ).encode(),
        COLOR_ICON: color_icon(),
        OUTLINE_ICON: outline_icon(),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name, _ZIP_TIME), data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def teams_package_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``polbot teams-package``."""
    parser.add_argument("--out", type=Path, default=Path("polbot-teams.zip"), help="zip to write")
    parser.add_argument(
        "--app-id",
        help="the bot's Microsoft App ID (default: channels.teams.app_id or "
        "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID)",
    )
    parser.add_argument("--public-url", help="https:// address of the server (default: public_url)")
    add_config_option(parser)


def teams_package(args: argparse.Namespace) -> int:
    """Write the package; a missing or bad input is one line on stderr and exit status 2."""
    settings = load_config(args.config, "teams-package")
    if settings is None:
        return 2
    app_id = args.app_id or settings.channels.teams.app_id
    public_url = args.public_url or settings.public_url
    if not app_id:
        print_error(
            "teams-package",
            "no app id: pass --app-id or set channels.teams.app_id "
            "(CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID)",
        )
        return 2
    if not public_url:
        print_error("teams-package", "no public URL: pass --public-url or set public_url")
        return 2
    kb = load_kb(settings.knowledge_dir, "teams-package")
    if kb is None:
        return 2
    try:
        package = build_package(kb, app_id, public_url)
    except TeamsPackageError as exc:
        print_error("teams-package", exc)
        return 2
    try:
        args.out.write_bytes(package)
    except OSError as exc:
        print_error("teams-package", f"cannot write {args.out}: {exc.strerror}")
        return 2
    print(f"wrote {args.out} (Teams app {app_id}, manifest {MANIFEST_VERSION})")
    return 0
