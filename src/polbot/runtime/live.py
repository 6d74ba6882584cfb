"""The knowledge base in use and the assistant over it, swapped whole when it is reloaded.

Every channel's handler reads :attr:`Live.current` once per event, so one event is answered
by one knowledge base from start to end, and a reload (:mod:`polbot.runtime.reload`) that
assigns a new :class:`Loaded` replaces both at once: assigning one attribute is atomic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from polbot.dialogue.assistant import Assistant
from polbot.knowledge.model import KnowledgeBase


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass(frozen=True, slots=True)
class Loaded:
    """One knowledge base, the assistant over it, and when it was loaded."""

    kb: KnowledgeBase
    assistant: Assistant
    loaded_at: datetime = field(default_factory=_now)


class Live:
    """The :class:`Loaded` that serves now."""

    def __init__(self, kb: KnowledgeBase, assistant: Assistant) -> None:
        self.current = Loaded(kb, assistant)

    def swap(self, kb: KnowledgeBase, assistant: Assistant) -> Loaded:
        """Serve ``kb`` with ``assistant`` from the next event on; the new :class:`Loaded`."""
        self.current = Loaded(kb, assistant)
        return self.current
