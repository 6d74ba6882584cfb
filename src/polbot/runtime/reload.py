"""Content live without a restart: reload the knowledge base on a signal or a file change.

:meth:`Reloader.reload` loads and validates the folder and builds the new engine and
assistant in a worker thread, beside the running ones, then swaps them in at once
(:class:`polbot.runtime.live.Live`); the event loop goes on answering meanwhile. A folder
that does not load is refused: its problems, each with file:line, go to the log, the old
knowledge base keeps serving, ``/readyz`` is not touched. Both outcomes are counted in
``polbot_knowledge_reload_total{result="ok|invalid"}``; ``polbot_knowledge_info`` names the
knowledge base that serves.

:meth:`Reloader.watch` polls the folder's entries (name, inode, size, modification time,
symlinks followed) every :data:`WATCH_INTERVAL` seconds and reloads when they change. A
Kubernetes ConfigMap volume replaces its ``..data`` symlink atomically: every file then
resolves to a new inode, which the poll sees. Polling a dozen files costs microseconds, needs
no dependency and works on every file system; inotify (the ``watchfiles`` library) would
have to follow that symlink swap and does not see changes on network file systems.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from aiohttp import web

from polbot.errors import KnowledgeError
from polbot.knowledge import load_knowledge
from polbot.runtime.assembly import Assembly
from polbot.runtime.live import Loaded
from polbot.runtime.logs import elapsed_ms

log = logging.getLogger("polbot.server")

WATCH_INTERVAL = 0.5
"""Seconds between two looks at the knowledge folder."""
SETTLE = 0.2
"""Seconds a change is left to finish (an editor writes a file in steps) before loading."""
LOGGED_PROBLEMS = 50
"""Problems of a refused reload written to the log at most (the count is always there)."""

Snapshot = frozenset[tuple[str, int, int, int, int]]


class Reloader:
    """Reloads ``folder`` into ``parts.live`` and counts the outcome in ``parts.metrics``."""

    def __init__(self, folder: Path, parts: Assembly) -> None:
        self.folder = folder
        self._parts = parts
        self._lock = asyncio.Lock()
        self.loaded(parts.live.current)

    def loaded(self, current: Loaded) -> None:
        """Show ``current`` in ``polbot_knowledge_info``."""
        loaded_at = current.loaded_at.isoformat().replace("+00:00", "Z")
        self._parts.metrics.knowledge_loaded(len(current.kb.pages), loaded_at)

    async def reload(self, reason: str) -> bool:
        """Load, build and swap in the folder (one reload at a time); whether it was."""
        async with self._lock:
            return await asyncio.to_thread(self.reload_now, reason)

    def reload_now(self, reason: str) -> bool:
        """:meth:`reload` in the calling thread."""
        start = time.perf_counter()
        reloads = self._parts.metrics.knowledge_reloads
        try:
            kb = load_knowledge(self.folder)
            assistant = Assembly(kb).assistant  # builds the engine: the slow part
        except KnowledgeError as exc:
            reloads.labels("invalid").inc()
            problems = [str(problem) for problem in exc.problems]
            log.error(
                "knowledge reload refused",
                extra={
                    "reason": reason,
                    "problems": problems[:LOGGED_PROBLEMS],
                    "error": f"{len(problems)} problem{'s' if len(problems) != 1 else ''}",
                },
            )
            return False
        except Exception as exc:  # a bug must not end the service: the old one serves
            reloads.labels("invalid").inc()
            log.error(
                "knowledge reload failed", extra={"reason": reason, "error": type(exc).__name__}
            )
            return False
        self.loaded(self._parts.live.swap(kb, assistant))
        reloads.labels("ok").inc()
        log.info(
            "knowledge reloaded",
            extra={"reason": reason, "pages": len(kb.pages), "duration_ms": elapsed_ms(start)},
        )
        return True

    @asynccontextmanager
    async def watching(self) -> AsyncIterator[None]:
        """:meth:`watch` in a task of its own for as long as the ``async with`` block runs."""
        task = asyncio.create_task(self.watch(), name="polbot-knowledge-watch")
        try:
            yield
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def watch(self, interval: float = WATCH_INTERVAL) -> None:
        """Reload whenever the folder changes, until cancelled."""
        seen = await asyncio.to_thread(snapshot, self.folder)
        while True:
            await asyncio.sleep(interval)
            now = await asyncio.to_thread(snapshot, self.folder)
            if now == seen:
                continue
            await asyncio.sleep(SETTLE)
            # Taken before loading: a change made during the load brings another reload.
            seen = await asyncio.to_thread(snapshot, self.folder)
            await self.reload("file changed")


def snapshot(folder: Path) -> Snapshot:
    """What the folder's entries are now: name, device, inode, size and modification time,
    each symlink followed; an entry that vanishes while it is looked at is left out."""
    entries = []
    try:
        with os.scandir(folder) as scan:
            for entry in scan:
                try:
                    stat = entry.stat()  # follows symlinks: ..data swaps show as new inodes
                except OSError:
                    continue
                entries.append(
                    (entry.name, stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)
                )
    except OSError:
        return frozenset()
    return frozenset(entries)


RELOADER = web.AppKey("polbot.reloader", Reloader)
"""The app's reloader, for the runner's SIGHUP."""


def ignore_hangups() -> None:
    """Let SIGHUP pass without ending the process (while no event loop logs it): from the
    first moment of a start, since loading the knowledge base takes a while."""
    signal.signal(signal.SIGHUP, signal.SIG_IGN)


def reload_on_hangup(loop: asyncio.AbstractEventLoop, reloader: Reloader | None) -> None:
    """Every SIGHUP to ``loop``'s process reloads with ``reloader``; without one it is a
    warning and nothing else."""
    reloads: set[asyncio.Task[bool]] = set()  # referenced until done

    def hangup() -> None:
        if reloader is None:
            log.warning("SIGHUP ignored", extra={"reason": "nothing to reload"})
            return
        log.info("reloading", extra={"reason": "SIGHUP"})
        task = loop.create_task(reloader.reload("SIGHUP"))
        reloads.add(task)
        task.add_done_callback(reloads.discard)

    loop.add_signal_handler(signal.SIGHUP, hangup)
