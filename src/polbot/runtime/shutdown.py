"""The shutdown as every part of the app sees it: ``app[SHUTDOWN]``.

The server's runner begins it on SIGTERM or SIGINT; a channel that keeps work of its own
(the Telegram webhook's updates in flight) reads it to stop in time.
"""

from __future__ import annotations

import asyncio

from aiohttp import web


class Shutdown:
    """Whether the server has begun to stop, for every part of the app: ``app[SHUTDOWN]``.

    Begun by SIGTERM or SIGINT before the listener closes (or by ``app.shutdown()`` when the
    app is served otherwise); from then on ``/readyz`` answers 503. A channel that holds work
    of its own, such as a queue, can stop taking more once :attr:`begun` (or after
    ``await wait()``) and has until :attr:`deadline`, on the event loop's clock, to finish.
    """

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.deadline: float | None = None
        self._begun = asyncio.Event()

    @property
    def begun(self) -> bool:
        return self._begun.is_set()

    def begin(self, drain: float = 0.0) -> None:
        """Start stopping: in-flight work must end ``drain`` + ``timeout`` seconds from now."""
        if not self.begun:
            self.deadline = asyncio.get_running_loop().time() + drain + self.timeout
            self._begun.set()

    async def wait(self) -> None:
        await self._begun.wait()


SHUTDOWN = web.AppKey("polbot.shutdown", Shutdown)
