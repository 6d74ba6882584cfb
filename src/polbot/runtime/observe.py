"""The assistant as each channel gets it: timed, counted and logged.

A channel adapter receives ``observe(assistant, "telegram", ...)`` and only calls its
``handle(event)``. The wrapper adds what every channel needs the same way: the latency
histogram, the counters by reply kind, one JSON log line per event without text or ids,
the channel on the assistant's own log lines (a forged button payload), a polite reply
instead of a crash when the assistant fails unexpectedly, and the assistant's reports
(:class:`polbot.dialogue.Observer`) passed on: each question and its search result to the
review store, each 👍/👎 to the feedback counter and the review store.
"""

from __future__ import annotations

import logging
import time
from contextvars import ContextVar

from polbot.dialogue import assistant as assistant_module
from polbot.dialogue.events import ButtonPress, Command, Event, TextMessage
from polbot.dialogue.replies import Button, Paragraph, Reply, Span
from polbot.knowledge.model import KnowledgeBase
from polbot.review import Recorder
from polbot.runtime.live import Live
from polbot.runtime.logs import elapsed_ms
from polbot.runtime.metrics import QUESTION_KINDS, Metrics
from polbot.search.result import Candidate, SearchResult

log = logging.getLogger("polbot.server")

_EVENT_TYPES = {TextMessage: "text", ButtonPress: "button", Command: "command"}

# The assistant logs its warnings (a forged button payload, say) without knowing the channel.
_ASSISTANT_LOGGER = assistant_module.__name__
_channel: ContextVar[str | None] = ContextVar("polbot_channel", default=None)


class _ChannelField(logging.Filter):
    """Gives a record logged while an event is handled the ``channel`` of that event."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "channel", None) is None:
            record.channel = _channel.get()
        return True


def error_reply(kb: KnowledgeBase) -> Reply:
    """The apology a user gets when something broke on our side, with a way back home."""
    return Reply(
        blocks=(Paragraph((Span(kb.message("server-error")),)),),
        buttons=(Button(kb.message("server-home-button"), "home"),),
        kind="error",
    )


class _Report:
    """The assistant's :class:`polbot.dialogue.Observer` for one channel: what it decided,
    to the feedback counter and the review store (which never raises, see ``Recorder``)."""

    def __init__(self, channel: str, metrics: Metrics, recorder: Recorder | None) -> None:
        self.channel, self._metrics, self._recorder = channel, metrics, recorder

    def searched(self, question: str, result: SearchResult) -> None:
        if self._recorder is not None:
            self._recorder.record_question(question, result, self.channel)

    def rated(self, page_id: str, helpful: bool, offered: tuple[Candidate, ...]) -> None:
        # page_id names a page of the knowledge base (the assistant checked): few series.
        rating = "helpful" if helpful else "not-helpful"
        self._metrics.feedback.labels(self.channel, page_id, rating).inc()
        if self._recorder is not None:
            self._recorder.record_feedback(page_id, helpful, self.channel, offered)


class ObservedHandler:
    """Wraps the assistant for one channel; see :func:`observe`. It is the
    ``polbot.channels.ChannelHandler`` every channel adapter gets."""

    def __init__(
        self,
        live: Live,
        channel: str,
        metrics: Metrics,
        recorder: Recorder | None = None,
    ) -> None:
        self.channel = channel
        self._live = live
        self._metrics = metrics
        self._report = _Report(channel, metrics, recorder)
        self._apology = error_reply(live.current.kb)
        assistant_log = logging.getLogger(_ASSISTANT_LOGGER)
        if not any(isinstance(existing, _ChannelField) for existing in assistant_log.filters):
            assistant_log.addFilter(_ChannelField())

    def handle(self, event: Event) -> tuple[Reply, ...]:
        """The assistant's replies to ``event``; the apology if the assistant raised."""
        event_type = _EVENT_TYPES.get(type(event), "other")
        start = time.perf_counter()
        channel = _channel.set(self.channel)
        try:
            # One knowledge base for the whole event, even if a reload swaps it meanwhile.
            replies = self._live.current.assistant.handle(event, self._report)
        except Exception as exc:
            self._metrics.errors.labels(self.channel).inc()
            log.error(
                "assistant failed",
                extra={
                    "channel": self.channel,
                    "event_type": event_type,
                    "error": type(exc).__name__,
                    "latency_ms": elapsed_ms(start),
                },
            )
            return (self._apology,)
        finally:
            _channel.reset(channel)
        seconds = time.perf_counter() - start
        self._metrics.latency.labels(self.channel).observe(seconds)
        kind = _kind(replies)
        if event_type == "text":
            self._metrics.questions.labels(self.channel, kind).inc()
        elif event_type == "button":
            self._metrics.button_presses.labels(self.channel).inc()
        log.info(
            "event handled",
            extra={
                "channel": self.channel,
                "event_type": event_type,
                "kind": kind,
                "page_id": next((r.page_id for r in replies if r.page_id), None),
                "replies": len(replies),
                "latency_ms": round(seconds * 1000, 2),
            },
        )
        return replies

    def message(self, key: str, **fields: str) -> str:
        """The knowledge base's text ``key``: a channel's own texts (``web-...``) live there."""
        return self._live.current.kb.message(key, **fields)

    def reject(self, reason: str, *, logged: bool = False) -> None:
        """Count and log (one line, no content) input refused before reaching the assistant;
        ``logged``: only count it, the platform's SDK has logged it already.

        ``reason`` is a short fixed phrase such as ``"invalid json"``, never the input.
        """
        self._metrics.invalid_input.labels(self.channel).inc()
        if not logged:
            log.warning("invalid input", extra={"channel": self.channel, "reason": reason})


def observe(
    live: Live, channel: str, metrics: Metrics, recorder: Recorder | None = None
) -> ObservedHandler:
    """The handler a channel adapter gets: the assistant of ``live`` with metrics and logs
    for ``channel``, its questions and feedback reported to ``recorder``.

    Besides ``handle(event)`` it offers ``message(key)`` for the channel's own texts and
    ``reject(reason)`` to count and log input refused before it reached the assistant.
    """
    return ObservedHandler(live, channel, metrics, recorder)


def _kind(replies: tuple[Reply, ...]) -> str:
    # A question's fate shows in the first reply that answers it; menus may follow.
    kinds = [reply.kind for reply in replies]
    return next((k for k in kinds if k in QUESTION_KINDS), kinds[0] if kinds else "none")
