"""The ``channels.teams`` section of the configuration."""

from __future__ import annotations

from pydantic import Field, SecretStr, model_validator

from polbot.runtime.settings import Section, UrlPath

DEFAULT_PATH = "/api/messages"


class TeamsSettings(Section):
    enabled: bool = False
    path: UrlPath = DEFAULT_PATH
    app_id: str | None = None
    tenant_id: str | None = None
    anonymous: bool = False
    """Accept requests without a token: for local development only."""
    client_secret: SecretStr | None = None
    signing_key_timeout: float = Field(default=5.0, gt=0, le=60)
    """Seconds a fetch of the Bot Service's token-signing keys may take."""
    signing_key_retry_after: float = Field(default=30.0, ge=0, le=3600)
    """Seconds before the signing keys are fetched again after a failure or an unknown key."""

    @model_validator(mode="after")
    def _switched_on_by_credentials(self) -> TeamsSettings:
        # The brief: Teams is also on when an app id is set or anonymous mode is asked for.
        # Set on the instance being validated (frozen after this): a copy returned from here
        # is not what TeamsSettings(...) gives its caller.
        if not self.enabled and (self.app_id or self.anonymous):
            object.__setattr__(self, "enabled", True)
        return self
