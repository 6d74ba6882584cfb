"""The server: the aiohttp application of every enabled channel (:mod:`.app`), its
configuration (:mod:`.config`) and polbot's own listener (:mod:`.runner`).

Only the ``polbot serve`` command and the tests use it; the package itself exports nothing.
"""

__all__: list[str] = []
