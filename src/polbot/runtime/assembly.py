"""The composition root: knowledge -> engine -> assistant -> the handler each channel gets.

Every command and the server build their parts here, each part once and only when it is
asked for: ``polbot ask --json`` needs the engine but neither the assistant nor the metrics,
and its start-up time is the user's waiting time.

>>> parts = Assembly.load()  # doctest: +SKIP
>>> parts.handler("telegram").handle(Command("start"))  # doctest: +SKIP
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from polbot.knowledge import KnowledgeBase, load_knowledge
from polbot.paths import default_knowledge_dir

if TYPE_CHECKING:
    from polbot.dialogue import Assistant
    from polbot.review import Recorder
    from polbot.runtime.live import Live
    from polbot.runtime.metrics import Metrics
    from polbot.runtime.observe import ObservedHandler
    from polbot.search import Engine


class Assembly:
    """The parts over one knowledge base; pass ready-made ones to use them instead (tests
    pass their own assistant, the server one :class:`Metrics` for every channel).

    ``recorder`` (the review store, :func:`polbot.review.open_recorder`) is told of every
    question and 👍/👎 the handlers see; without one nothing is recorded.
    """

    def __init__(
        self,
        kb: KnowledgeBase,
        *,
        engine: Engine | None = None,
        assistant: Assistant | None = None,
        metrics: Metrics | None = None,
        recorder: Recorder | None = None,
    ) -> None:
        self.kb = kb
        self.recorder = recorder
        # cached_property reads the instance's __dict__ first: a part given here is used.
        given = {"engine": engine, "assistant": assistant, "metrics": metrics}
        self.__dict__.update({name: part for name, part in given.items() if part is not None})

    @classmethod
    def load(cls, knowledge_dir: Path | None = None) -> Assembly:
        """The parts over the knowledge base in ``knowledge_dir`` (default: the bundled one
        or ``$POLBOT_KNOWLEDGE_DIR``); :class:`polbot.errors.KnowledgeError` if it is broken."""
        return cls(load_knowledge(knowledge_dir or default_knowledge_dir()))

    @cached_property
    def engine(self) -> Engine:
        """The search engine over the knowledge base."""
        from polbot.search import Engine

        return Engine(self.kb)

    @cached_property
    def assistant(self) -> Assistant:
        """The conversation, searching with :attr:`engine`."""
        from polbot.dialogue import Assistant

        return Assistant(self.kb, self.engine)

    @cached_property
    def metrics(self) -> Metrics:
        """The counters every channel of this process shares."""
        from polbot.runtime.metrics import Metrics

        return Metrics()

    @cached_property
    def live(self) -> Live:
        """The knowledge base and assistant in use: :attr:`kb` and :attr:`assistant` until a
        reload (:class:`polbot.runtime.reload.Reloader`) swaps them."""
        from polbot.runtime.live import Live

        return Live(self.kb, self.assistant)

    def handler(self, channel: str) -> ObservedHandler:
        """The assistant as ``channel`` gets it: timed, counted and logged in :attr:`metrics`,
        with the channel's texts and its ``reject()``, reporting to :attr:`recorder`; it
        follows :attr:`live` through reloads."""
        from polbot.runtime.observe import observe

        return observe(self.live, channel, self.metrics, self.recorder)
