"""Prometheus metrics of one server process, in a registry of its own.

Each :class:`Metrics` owns a fresh ``CollectorRegistry``, so two apps in one test process
never clash over metric names, and ``/metrics`` shows exactly this app's numbers. Besides
polbot's own counters it holds ``polbot_build_info{version}`` and the process's figures
(``process_resident_memory_bytes``, ``process_cpu_seconds_total``, open files, start time)
from prometheus_client's process collector, which a fresh registry does not have.
"""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from polbot import __version__

# No ``*_created`` series: one timestamp gauge per label set beside every counter and
# histogram, which Prometheus does not need (it sees resets itself) and which doubles what a
# scrape carries. The switch is process-wide in prometheus_client and read at each scrape.
disable_created_metrics()

QUESTION_KINDS = ("answer", "alternatives", "smalltalk", "fallback")
"""Reply kinds that say what became of a typed question."""

# handle() is pure and in-memory: milliseconds, with a long tail for huge inputs.
_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Metrics:
    """The counters and the latency histogram, labelled by channel."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        Info("polbot_build", "The polbot release this process runs.", registry=self.registry).info(
            {"version": __version__}
        )
        self.questions = Counter(
            "polbot_questions",
            "Typed questions, by what became of them.",
            ["channel", "kind"],
            registry=self.registry,
        )
        self.button_presses = Counter(
            "polbot_button_presses",
            "Buttons pressed.",
            ["channel"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "polbot_handle_seconds",
            "Time the assistant took to answer one event.",
            ["channel"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.errors = Counter(
            "polbot_errors",
            "Events the assistant failed on unexpectedly.",
            ["channel"],
            registry=self.registry,
        )
        self.invalid_input = Counter(
            "polbot_invalid_input",
            "Requests rejected as malformed before reaching the assistant.",
            ["channel"],
            registry=self.registry,
        )

        # The content owner's loop (issue 14): feedback per page, the knowledge base in use.
        self.feedback = Counter(
            "polbot_feedback",
            "Feedback buttons pressed under answers, by page and rating.",
            ["channel", "page", "rating"],
            registry=self.registry,
        )
        self.knowledge_info = Gauge(
            "polbot_knowledge_info",
            "The knowledge base in use (always 1): its pages and when it was loaded (UTC).",
            ["pages", "loaded_at"],
            registry=self.registry,
        )
        self.knowledge_reloads = Counter(
            "polbot_knowledge_reload",
            "Reloads of the knowledge base: ok (swapped in) or invalid (refused).",
            ["result"],
            registry=self.registry,
        )

    def knowledge_loaded(self, pages: int, loaded_at: str) -> None:
        """Say which knowledge base serves: one ``polbot_knowledge_info`` series only."""
        self.knowledge_info.clear()
        self.knowledge_info.labels(str(pages), loaded_at).set(1)

    def exposition(self) -> bytes:
        """The Prometheus text format of every metric in this registry."""
        return generate_latest(self.registry)
