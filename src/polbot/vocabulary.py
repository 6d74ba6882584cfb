"""The words polbot's parts share, each written once: the dialogue's commands and the
names of the environment variables.

The dialogue answers :data:`COMMANDS`; each platform's command menu shows its own choice of
them (:data:`TELEGRAM_MENU`, :data:`TEAMS_MENU`), each described by a text of the knowledge
base (``telegram-command-<name>``, ``teams-command-<name>``). Every setting can be set by an
environment variable ``POLBOT_<KEY>`` (:data:`ENV_PREFIX`); the platforms' SDKs and docs name
theirs under their own prefixes, which polbot reads too.

This module imports nothing, so that every layer can use it.
"""

from __future__ import annotations

from typing import Final, Literal

__all__ = [
    "COMMANDS",
    "CONFIG_ENV",
    "ENV_PREFIX",
    "KNOWLEDGE_DIR_ENV",
    "TEAMS_ANONYMOUS_ENV",
    "TEAMS_APP_ID_ENV",
    "TEAMS_MENU",
    "TEAMS_SDK_ENV_PREFIX",
    "TEAMS_SECRET_ENV",
    "TEAMS_TENANT_ID_ENV",
    "TELEGRAM_API_ENV",
    "TELEGRAM_MENU",
    "TELEGRAM_SECRET_ENV",
    "TELEGRAM_TOKEN_ENV",
    "CommandName",
]

CommandName = Literal["start", "menu", "help", "contact", "over"]
COMMANDS: Final[tuple[CommandName, ...]] = ("start", "menu", "help", "contact", "over")
"""The commands of the conversation, in the order a menu lists them."""
TELEGRAM_MENU: Final[tuple[CommandName, ...]] = COMMANDS
"""Telegram's command menu (``setMyCommands``): every command."""
TEAMS_MENU: Final[tuple[CommandName, ...]] = ("menu", "help", "contact", "over")
"""Teams' command menu in the app manifest, in order; Teams sends the chosen one as text."""

ENV_PREFIX: Final = "POLBOT_"
"""``POLBOT_<KEY>`` sets a setting, ``__`` between nested keys
(``POLBOT_CHANNELS__WEB__ENABLED``)."""
CONFIG_ENV: Final = f"{ENV_PREFIX}CONFIG"
"""The configuration file."""
KNOWLEDGE_DIR_ENV: Final = f"{ENV_PREFIX}KNOWLEDGE_DIR"
"""The knowledge folder (also the setting ``knowledge_dir``)."""
TEAMS_ANONYMOUS_ENV: Final = f"{ENV_PREFIX}TEAMS_ANONYMOUS"
"""``1``: the Teams endpoint accepts requests without a token (local development only)."""

TELEGRAM_TOKEN_ENV: Final = "TELEGRAM_BOT_TOKEN"
TELEGRAM_SECRET_ENV: Final = "TELEGRAM_WEBHOOK_SECRET"
TELEGRAM_API_ENV: Final = "TELEGRAM_API_BASE_URL"

TEAMS_SDK_ENV_PREFIX: Final = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"
"""The Agents SDK's names for the bot's own app registration (``...CLIENTID`` and others)."""
TEAMS_APP_ID_ENV: Final = f"{TEAMS_SDK_ENV_PREFIX}CLIENTID"
TEAMS_TENANT_ID_ENV: Final = f"{TEAMS_SDK_ENV_PREFIX}TENANTID"
TEAMS_SECRET_ENV: Final = f"{TEAMS_SDK_ENV_PREFIX}CLIENTSECRET"
