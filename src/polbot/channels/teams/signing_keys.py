"""The keys that sign the Bot Service's tokens: fetched with a deadline, cached, failures too.

The SDK looks keys up with PyJWKClient in a worker thread, under one lock per key set URL,
with a 30 s socket timeout and no memory of failures: one hung fetch holds the lock and every
other token check queues behind it, and the next check after a failure fetches again. (It
also reads the token's ``kid`` with ``header["kid"]``: a token without one was a KeyError and
a 500.) :func:`install` puts :class:`SigningKeys` in the SDK's place
(``JwtTokenValidator._jwk_client_manager``, the seam the SDK's own tests replace too):

- a key set is fetched by one request at a time, without threads, within ``timeout`` seconds;
  whoever needs it meanwhile waits for that same fetch, never longer than its deadline;
- a key that is cached is returned at once, also while a fetch is under way or failing
  (a key set that cannot be refreshed stays in use: a failing endpoint does not lock the
  Bot Service out);
- after a fetch, successful or not, the next one waits ``retry_after`` seconds: in between a
  missing key is refused at once, so neither a failing endpoint nor tokens with made-up key
  ids can make every request wait or fetch.

Every refusal raises a PyJWT error, which the SDK answers with a 401 and one warning line.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from jwt import PyJWK, PyJWKClientConnectionError, PyJWKClientError, PyJWKSet
from microsoft_agents.hosting.core.authorization.jwt import JwtTokenValidator

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 5.0
"""Seconds a key set fetch may take; the Bot Service waits about 15 s for the whole turn."""
DEFAULT_RETRY_AFTER = 30.0
"""Seconds between two fetches of one key set after a failure or for an unknown key id."""
LIFESPAN = 300.0
"""Seconds a fetched key set is fresh: PyJWKClient's default, so keys rotate as before."""


@dataclass
class _KeySet:
    keys: dict[str, PyJWK] = field(default_factory=dict)
    fetched_at: float = float("-inf")
    attempted_at: float = float("-inf")
    failed: bool = False
    fetching: asyncio.Task[None] | None = None


class SigningKeys:
    """The SDK's key lookup (``get_signing_key(jwks_uri, header)``), bounded in time."""

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        retry_after: float = DEFAULT_RETRY_AFTER,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.timeout, self.retry_after = timeout, retry_after
        self._clock = clock
        self._sets: dict[str, _KeySet] = {}

    async def get_signing_key(self, jwks_uri: str, header: Mapping[str, Any]) -> PyJWK:
        """The key named by the token's ``kid`` in the key set at ``jwks_uri``."""
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise PyJWKClientError("the token names no signing key")
        keys = self._sets.setdefault(jwks_uri, _KeySet())
        now = self._clock()
        fresh = now - keys.fetched_at < LIFESPAN
        recent = now - keys.attempted_at < self.retry_after
        if kid in keys.keys and (fresh or recent or keys.fetching):
            return keys.keys[kid]
        if not recent:
            if keys.fetching is None:
                keys.fetching = asyncio.create_task(self._fetch(jwks_uri, keys))
            # Shielded: a caller that gives up (its client left) does not cancel the
            # fetch the others wait for; the fetch ends by its own deadline.
            await asyncio.shield(keys.fetching)
        if kid in keys.keys:
            return keys.keys[kid]
        if keys.failed:
            raise PyJWKClientConnectionError("the signing keys are unavailable")
        raise PyJWKClientError("no signing key with the token's key id")

    async def _fetch(self, jwks_uri: str, keys: _KeySet) -> None:
        try:
            async with asyncio.timeout(self.timeout):
                document = await self.download(jwks_uri)
            found = PyJWKSet.from_dict(document).keys
            keys.keys = {
                key.key_id: key
                for key in found
                if key.key_id and key.public_key_use in ("sig", None)
            }
            keys.fetched_at, keys.failed = self._clock(), False
        except Exception as exc:  # any failure, a timeout or a document that is no key set
            keys.failed = True
            log.warning("teams: signing keys unavailable (%s)", type(exc).__name__)
        finally:
            keys.attempted_at, keys.fetching = self._clock(), None

    async def download(self, jwks_uri: str) -> Any:
        """The JSON document at ``jwks_uri``. The environment's proxy settings apply, as
        they did to the SDK's own fetch."""
        async with (
            aiohttp.ClientSession(trust_env=True) as session,
            session.get(jwks_uri, raise_for_status=True) as response,
        ):
            return await response.json(content_type=None)


def install(*, timeout: float, retry_after: float) -> SigningKeys:
    """Put a new :class:`SigningKeys` in the place of the SDK's key lookup, for the whole
    process (the SDK's validator is created per request and finds its lookup on the class)."""
    keys = SigningKeys(timeout=timeout, retry_after=retry_after)
    JwtTokenValidator._jwk_client_manager = keys  # type: ignore[assignment]
    return keys
