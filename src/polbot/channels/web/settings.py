"""The ``channels.web`` section of the configuration."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, StringConstraints

from polbot.runtime.settings import Section

Origin = Annotated[
    str,
    StringConstraints(pattern=r"^https?://(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:\d{1,5})?$"),
]
"""A page's origin as CSP names it: scheme, host (``*.`` for its subdomains) and port, no
path (``https://intranet.example.nl``)."""


def _split(value: Any) -> Any:
    # From the environment the list is one string: "https://a.example.nl https://b.example.nl"
    # (commas too).
    if isinstance(value, str):
        return tuple(part for part in re.split(r"[\s,]+", value) if part)
    return value


class WebSettings(Section):
    enabled: bool = True
    frame_ancestors: Annotated[tuple[Origin, ...], BeforeValidator(_split)] = ()
    """Origins whose pages may show the web chat in a frame; none by default."""
