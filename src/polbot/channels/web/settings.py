"""The ``channels.web`` section of the configuration."""

from __future__ import annotations

from polbot.runtime.settings import Section


class WebSettings(Section):
    enabled: bool = True
