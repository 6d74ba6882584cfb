"""The assistant as each channel gets it: timed, counted and logged.

A channel adapter receives ``observe(assistant, "telegram", ...)`` and only calls its
``handle(event)``. The wrapper adds what every channel needs the same way: the latency
histogram, the counters by reply kind, one JSON log line per event without text or ids,
the channel on the assistant's own log lines (a forged button payload), and a polite reply
instead of a crash when the assistant fails unexpectedly.
"""

from __future__ import annotations

import logging
import time
from contextvars import ContextVar

from polbot.dialogue import assistant as assistant_module
from polbot.dialogue.assistant import Assistant
from polbot.dialogue.events import ButtonPress, Command, Event, TextMessage
from polbot.dialogue.replies import Button, Paragraph, Reply, Span
from polbot.knowledge.model import KnowledgeBase
from polbot.runtime.logs import elapsed_ms
from polbot.runtime.metrics import QUESTION_KINDS, Metrics

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


class ObservedHandler:
    """Wraps the assistant for one channel; see :func:`observe`. It is the
    ``polbot.channels.ChannelHandler`` every channel adapter gets."""

    def __init__(
        self, assistant: Assistant, channel: str, metrics: Metrics, kb: KnowledgeBase
    ) -> None:
        self.channel = channel
        self._assistant = assistant
        self._metrics = metrics
        self._kb = kb
        self._apology = error_reply(kb)
        assistant_log = logging.getLogger(_ASSISTANT_LOGGER)
        if not any(isinstance(existing, _ChannelField) for existing in assistant_log.filters):
            assistant_log.addFilter(_ChannelField())

    def handle(self, event: Event) -> tuple[Reply, ...]:
        """The assistant's replies to ``event``; the apology if the assistant raised."""
        event_type = _EVENT_TYPES.get(type(event), "other")
        start = time.perf_counter()
        channel = _channel.set(self.channel)
        try:
            replies = self._assistant.handle(event)
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
        return self._kb.message(key, **fields)

    def reject(self, reason: str, *, logged: bool = False) -> None:
        """Count and log (one line, no content) input refused before reaching the assistant;
        ``logged``: only count it, the platform's SDK has logged it already.

        ``reason`` is a short fixed phrase such as ``"invalid json"``, never the input.
        """
        self._metrics.invalid_input.labels(self.channel).inc()
        if not logged:
            log.warning("invalid input", extra={"channel": self.channel, "reason": reason})


def observe(
    assistant: Assistant, channel: str, metrics: Metrics, kb: KnowledgeBase
) -> ObservedHandler:
    """The handler a channel adapter gets: ``assistant`` with metrics and logs for ``channel``.

    Besides ``handle(event)`` it offers ``message(key)`` for the channel's own texts and
    ``reject(reason)`` to count and log input refused before it reached the assistant.
    """
    return ObservedHandler(assistant, channel, metrics, kb)


def _kind(replies: tuple[Reply, ...]) -> str:
    # A question's fate shows in the first reply that answers it; menus may follow.
    kinds = [reply.kind for reply in replies]
    return next((k for k in kinds if k in QUESTION_KINDS), kinds[0] if kinds else "none")
