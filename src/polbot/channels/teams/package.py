"""The Teams app package an administrator uploads (``polbot teams-package`` writes it).

The package is a zip of ``manifest.json`` (app manifest schema 1.22, the current version of
Microsoft's manifest documentation) and the two icons. The names, descriptions and command
descriptions are the ``teams-`` texts of the knowledge base. The same inputs give the same
bytes, so a package can be rebuilt and compared.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from typing import Any
from urllib.parse import urlsplit

from polbot import __version__
from polbot.channels.teams.icons import ACCENT_HEX, color_icon, outline_icon
from polbot.errors import TeamsPackageError
from polbot.knowledge.model import KnowledgeBase
from polbot.vocabulary import TEAMS_MENU

MANIFEST_VERSION = "1.22"
MANIFEST_SCHEMA = (
    f"https://developer.microsoft.com/json-schemas/teams/v{MANIFEST_VERSION}"
    "/MicrosoftTeams.schema.json"
)
SCOPES = ("personal", "team", "groupChat")
COLOR_ICON = "color.png"
OUTLINE_ICON = "outline.png"
LANGUAGE = "nl-nl"
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
        # Teams shows the title in its menu and sends it as the message text, so the title
        # is the command word the endpoint recognises; the description is Dutch.
        for name in TEAMS_MENU
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
