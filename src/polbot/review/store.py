"""The review store: the questions polbot could not answer well, kept without personal data.

One code path for SQLite (``sqlite:///path``, embedded, one process) and PostgreSQL
(``postgresql://...``, several replicas sharing one store), with SQLAlchemy Core; the schema
is created and migrated on :meth:`ReviewStore.open` (:mod:`polbot.review.schema`).

Writes come from the request path and must cost it nothing: :meth:`ReviewStore.record`,
:meth:`~ReviewStore.record_question` and :meth:`~ReviewStore.record_feedback` only put the
event on a bounded queue and never raise. One writer thread de-identifies the questions
(:mod:`polbot.review.deidentify`), writes them in batches and deletes what is older than
``retention_days`` once a day (and on open). A database problem is one warning line in the
log, without the question; the events of that batch are lost, the service goes on.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, create_engine, delete, event, func, make_url, select
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from polbot.errors import ReviewStoreError, ReviewUnavailableError
from polbot.review import deidentify
from polbot.review.entry import DECISIONS, Decision, ReviewEntry, decision_of
from polbot.review.schema import events, migrate
from polbot.review.settings import ReviewSettings
from polbot.search.result import Candidate, SearchResult

log = logging.getLogger("polbot.review")

QUEUE_SIZE = 10_000
"""Events waiting for the writer at most; more are dropped (and counted in the log)."""
BATCH_SIZE = 200
"""Events written in one transaction at most."""
_RETAIN_CHECK = 600.0
"""Seconds the writer waits for events before it checks whether a new day began."""
_WARN_EVERY = 60.0
"""Seconds between two warnings about the same kind of trouble."""


@dataclass(frozen=True, slots=True)
class _Question:
    """A question on its way to the writer thread, before de-identification."""

    text: str
    decision: Decision
    candidates: tuple[Candidate, ...]
    channel: str
    day: date


_Item = ReviewEntry | _Question
_STOP = object()


class ReviewStore:
    """The review database of one process; see the module's docstring.

    Open it with :meth:`open`; close it (the writer finishes the queue) with :meth:`close`.
    """

    def __init__(
        self,
        engine: Engine,
        retention_days: int,
        *,
        today: Callable[[], date] = date.today,
    ) -> None:
        self.engine = engine
        self.retention_days = retention_days
        self._today = today
        self._queue: queue.Queue[object] = queue.Queue(maxsize=QUEUE_SIZE)
        self._retained_on: date | None = None
        self._warned: dict[str, float] = {}
        self._dropped = 0
        self._thread: threading.Thread | None = None

    def _start(self) -> None:
        self._thread = threading.Thread(
            target=self._write_forever, name="polbot-review-writer", daemon=True
        )
        self._thread.start()

    @classmethod
    def open(
        cls,
        settings: ReviewSettings,
        *,
        today: Callable[[], date] = date.today,
        writer: bool = True,
    ) -> ReviewStore:
        """Connect to ``settings.database_url``, create or migrate the schema, delete what
        is past retention, load the de-identifier (when ``writer``: this store records) and
        start the writer thread.

        Raises :class:`ReviewStoreError` when the database cannot be reached or is of a
        newer polbot, :class:`ReviewUnavailableError` when the de-identifier or the
        database driver is not installed.
        """
        if settings.database_url is None:
            raise ReviewStoreError("review.database_url is not set")
        engine = _engine(settings.database_url)
        try:
            with engine.begin() as connection:
                migrate(connection)
        except SQLAlchemyError as exc:
            engine.dispose()
            raise ReviewStoreError(
                f"review database {_safe_url(settings.database_url)}: {_reason(exc)}"
            ) from exc
        if writer:
            deidentify.load()
        store = cls(engine, settings.retention_days, today=today)
        store._retain()
        if writer:
            store._start()
        return store

    # --- the request path: queue, never raise ------------------------------------------

    def record(self, entry: ReviewEntry) -> None:
        """Queue ``entry`` (already de-identified) for writing."""
        self._put(entry)

    def record_question(self, text: str, result: SearchResult, channel: str) -> None:
        """Queue a question the engine answered with ``result``, when it is worth review
        (a fallback, an answer with alternatives); de-identified before it is written."""
        decision = decision_of(result)
        if decision is not None:
            self._put(_Question(text, decision, result.candidates, channel, self._today()))

    def record_feedback(
        self,
        page_id: str,
        helpful: bool,
        channel: str,
        offered: Sequence[Candidate] = (),
    ) -> None:
        """Queue a 👍 (``helpful``) or 👎 on the answer ``page_id``; ``offered`` are the
        pages suggested instead after a 👎."""
        decision: Decision = "thumbs-up" if helpful else "thumbs-down"
        self._put(ReviewEntry(decision, channel, self._today(), None, tuple(offered), page_id))

    def _put(self, item: _Item) -> None:
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            self._dropped += 1
            self._warn("queue full", "review events dropped: the writer cannot keep up")
        except Exception as exc:  # never into the caller
            self._warn("put", "review event not queued", error=type(exc).__name__)

    # --- the writer ---------------------------------------------------------------------

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every queued event is written (or dropped); whether it was in time."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)
        return not self._queue.unfinished_tasks

    def close(self, timeout: float = 10.0) -> None:
        """Write what is queued, stop the writer and close the connections."""
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join(timeout)
            self._thread = None
        self.engine.dispose()

    def _write_forever(self) -> None:
        while True:
            try:
                batch: list[object] = [self._queue.get(timeout=_RETAIN_CHECK)]
            except queue.Empty:
                batch = []
            while len(batch) < BATCH_SIZE:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            stop = any(item is _STOP for item in batch)
            try:
                self._write([item for item in batch if isinstance(item, (ReviewEntry, _Question))])
                if self._retained_on != self._today():
                    self._retain()
            except Exception as exc:  # the writer must live on
                self._warn("write", "review events not written", error=type(exc).__name__)
            finally:
                for _ in batch:
                    self._queue.task_done()
            if stop:
                return

    def _write(self, items: Iterable[_Item]) -> None:
        rows = [row for row in (_row(item) for item in items) if row is not None]
        if not rows:
            return
        try:
            with self.engine.begin() as connection:
                connection.execute(events.insert(), rows)
        except SQLAlchemyError as exc:
            self._warn(
                "database", "review events not written", error=_reason(exc), events=len(rows)
            )

    def _retain(self) -> None:
        today = self._today()
        self.delete_older_than(today - timedelta(days=self.retention_days))
        self._retained_on = today

    def _warn(self, kind: str, message: str, **fields: Any) -> None:
        now = time.monotonic()
        if now - self._warned.get(kind, -_WARN_EVERY) >= _WARN_EVERY:
            self._warned[kind] = now
            if kind == "queue full":
                fields["dropped"] = self._dropped
            log.warning(message, extra=fields)

    # --- reading and deleting (the report, retention, purge) ----------------------------

    def entries(self, since: date | None = None) -> list[ReviewEntry]:
        """The stored events from ``since`` on (every one without it), oldest first."""
        query = select(events).order_by(events.c.day, events.c.id)
        if since is not None:
            query = query.where(events.c.day >= since)
        try:
            with self.engine.connect() as connection:
                rows = connection.execute(query).mappings().all()
        except SQLAlchemyError as exc:
            raise ReviewStoreError(f"review database: {_reason(exc)}") from exc
        return [_entry(row) for row in rows if row["decision"] in DECISIONS]

    def count(self) -> int:
        """How many events are stored."""
        with self.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(events)).scalar_one())

    def delete_older_than(self, day: date) -> int:
        """Delete the events of the days before ``day``; how many there were."""
        return self._delete(events.c.day < day)

    def purge(self) -> int:
        """Delete every stored event; how many there were."""
        return self._delete(None)

    def _delete(self, condition: Any) -> int:
        statement = delete(events) if condition is None else delete(events).where(condition)
        try:
            with self.engine.begin() as connection:
                return int(connection.execute(statement).rowcount)
        except SQLAlchemyError as exc:
            raise ReviewStoreError(f"review database: {_reason(exc)}") from exc


def _row(item: _Item) -> dict[str, Any] | None:
    if isinstance(item, _Question):
        question = deidentify.deidentify(item.text)
        if question is None:
            return None  # cannot be cleaned with confidence: not kept
        item = ReviewEntry(item.decision, item.channel, item.day, question, item.candidates)
    return {
        "day": item.day,
        "channel": item.channel[:32],
        "decision": item.decision,
        "question": item.question,
        "page_id": item.page_id,
        "candidates": json.dumps([[c.id, round(c.score, 4)] for c in item.candidates]),
    }


def _entry(row: Any) -> ReviewEntry:
    candidates = tuple(Candidate(str(i), float(s)) for i, s in json.loads(row["candidates"]))
    return ReviewEntry(
        decision=row["decision"],
        channel=row["channel"],
        day=row["day"],
        question=row["question"],
        candidates=candidates,
        page_id=row["page_id"],
    )


def _engine(database_url: str) -> Engine:
    try:
        url = make_url(database_url)
    except ArgumentError as exc:
        raise ReviewStoreError(f"review.database_url is not a database URL: {exc}") from exc
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")  # psycopg 3, not SQLAlchemy's default
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ReviewStoreError(
            f"review.database_url: {url.get_backend_name()} is not supported; "
            "use sqlite:///path or postgresql://..."
        )
    try:
        if url.get_backend_name() == "sqlite":
            return _sqlite_engine(url)
        return create_engine(url, pool_pre_ping=True, pool_size=2, max_overflow=2)
    except ImportError as exc:
        raise ReviewUnavailableError(
            f"review.database_url needs the driver {exc.name}: pip install 'polbot[review]'"
        ) from exc


def _sqlite_engine(url: URL) -> Engine:
    engine = create_engine(url, connect_args={"timeout": 30})

    # Every transaction takes the write lock when it begins (BEGIN IMMEDIATE), so that two
    # processes that open one file at the same time migrate it one after the other. The
    # driver's own transaction handling is switched off for that (SQLAlchemy's recipe).
    @event.listens_for(engine, "connect")
    def _connect(connection: Any, _record: Any) -> None:
        connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _safe_url(database_url: str) -> str:
    try:
        return make_url(database_url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(not a URL)"


def _reason(exc: SQLAlchemyError) -> str:
    """The first line of the driver's message, never the statement or its parameters."""
    original = getattr(exc, "orig", None)
    message = str(original if original is not None else exc).strip().splitlines()
    return message[0][:200] if message else type(exc).__name__
