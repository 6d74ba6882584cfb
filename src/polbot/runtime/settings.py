"""What every section of the configuration shares: frozen, no unknown keys, and the types
of addresses. The server's configuration (:mod:`polbot.server.config`) is made of these
sections; each channel declares its own next to its code.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

UrlPath = Annotated[str, StringConstraints(pattern=r"^/[A-Za-z0-9/_.-]*$")]
"""A path on this server, such as ``/telegram/webhook``."""
# Kept as written (pydantic's URL types would add a "/" and escape a "{token}" placeholder).
HttpUrl = Annotated[str, StringConstraints(pattern=r"^https?://[^\s/]+\S*$")]
PublicUrl = Annotated[HttpUrl, AfterValidator(lambda url: url.rstrip("/"))]
"""Where users and platforms reach this server, without a trailing ``/``."""


class Section(BaseModel):
    """One section of the configuration: unknown keys are errors, values never change."""

    model_config = ConfigDict(extra="forbid", frozen=True)
