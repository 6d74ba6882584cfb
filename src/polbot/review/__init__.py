"""The content owner's review: questions polbot could not answer well, kept without personal
data, and the report that groups them (``polbot review``).

Importing this package is cheap: the database layer (SQLAlchemy) and the de-identifier
(deduce) are imported only by :func:`open_recorder` when review is enabled, so that
``polbot ask`` and a server without review never load them.

>>> recorder = open_recorder(settings.review)  # doctest: +SKIP
>>> recorder.record_question(text, result, "telegram")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from polbot.errors import ReviewError, ReviewStoreError, ReviewUnavailableError
from polbot.review.entry import Decision, ReviewEntry
from polbot.review.settings import ReviewSettings

if TYPE_CHECKING:
    from polbot.search.result import Candidate, SearchResult

__all__ = [
    "Decision",
    "Recorder",
    "ReviewEntry",
    "ReviewError",
    "ReviewSettings",
    "ReviewStoreError",
    "ReviewUnavailableError",
    "open_recorder",
]


class Recorder(Protocol):
    """What the request path calls: each method is cheap and never raises."""

    def record_question(self, text: str, result: SearchResult, channel: str) -> None: ...

    def record_feedback(
        self, page_id: str, helpful: bool, channel: str, offered: Sequence[Candidate] = ()
    ) -> None: ...

    def close(self, timeout: float = 10.0) -> None: ...


class _NoRecorder:
    """Review switched off: nothing is written anywhere."""

    def record_question(self, text: str, result: SearchResult, channel: str) -> None:
        return None

    def record_feedback(
        self, page_id: str, helpful: bool, channel: str, offered: Sequence[Candidate] = ()
    ) -> None:
        return None

    def close(self, timeout: float = 10.0) -> None:
        return None


def open_recorder(settings: ReviewSettings) -> Recorder:
    """The recorder for ``settings`` (``database_url`` resolved): a :class:`ReviewStore`
    when review is enabled, else one that writes nothing and imports nothing.

    Raises :class:`ReviewStoreError` or :class:`ReviewUnavailableError` (see
    :meth:`polbot.review.store.ReviewStore.open`): the server should refuse to start.
    """
    if not settings.enabled:
        return _NoRecorder()
    from polbot.review.store import ReviewStore

    return ReviewStore.open(settings)
