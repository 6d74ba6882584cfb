"""The ``channels.telegram`` section of the configuration."""

from __future__ import annotations

from pydantic import SecretStr

from polbot.runtime.settings import HttpUrl, PublicUrl, Section, UrlPath

DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"


class TelegramSettings(Section):
    enabled: bool = False
    webhook_path: UrlPath = "/telegram/webhook"
    api_base_url: HttpUrl = DEFAULT_API_BASE_URL
    public_url: PublicUrl | None = None
    """Filled from the top-level ``public_url`` unless set here; builds the webhook URL."""
    bot_token: SecretStr | None = None
    webhook_secret: SecretStr | None = None
