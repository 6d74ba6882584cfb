"""The signing-key fetch behind every token check is bounded: a hung key endpoint holds no
request longer than ``signing_key_timeout``, is asked once for all requests waiting, and not
again for ``signing_key_retry_after`` seconds.

The key endpoint is a real HTTP server on 127.0.0.1 (``teams_support.KeyServer``) that the
Bot Framework issuer's key set URL is pointed at; the token check, the fetch and the
connector are the real ones, over loopback."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from microsoft_agents.hosting.core.authorization._entra_issuers import BOTFRAMEWORK_JWKS_URIS

from polbot.channels.teams.endpoint import mount
from polbot.channels.teams.settings import TeamsSettings
from polbot.dialogue.replies import Paragraph, Reply, Span
from teams_support import (
    APP_ID,
    BOT_FRAMEWORK_ISSUER,
    KeyServer,
    Signer,
    TestCertificate,
    activity,
    fixed_outbound_token,
    observed,
    running_connector,
    teams_environment,
)

TIMEOUT = 1.0  # a loopback fetch takes milliseconds, also on a busy machine
# Retry intervals: one that no test outlasts, and one that a test can wait out.
LONG, SHORT = 60.0, 0.5


class Answering:
    def handle(self, _event, observer=None) -> tuple[Reply, ...]:
        return (Reply((Paragraph((Span("ok"),)),)),)


@pytest.fixture(scope="module")
def signer() -> Signer:
    return Signer()


@pytest.fixture
async def keys(monkeypatch, signer) -> AsyncIterator[KeyServer]:
    """The key endpoint on loopback, where the SDK looks for the Bot Framework's keys."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    server = KeyServer(signer)
    async with server.running() as url:
        monkeypatch.setitem(BOTFRAMEWORK_JWKS_URIS, BOT_FRAMEWORK_ISSUER, url)
        yield server


@pytest.fixture
async def connector(monkeypatch):
    """The fake connector over HTTPS: with a token, replies go to https:// only."""
    certificate = TestCertificate()
    certificate.trust(monkeypatch)
    async with running_connector(tls=certificate) as running:
        yield running


async def _client(monkeypatch, retry_after: float) -> TestClient:
    teams_environment(monkeypatch, anonymous=False, app_id=APP_ID)
    fixed_outbound_token(monkeypatch)
    app = web.Application()
    settings = {"signing_key_timeout": TIMEOUT, "signing_key_retry_after": retry_after}
    mount(app, observed(Answering()), TeamsSettings(**settings))
    return TestClient(TestServer(app, host="127.0.0.1"))


async def _post(client: TestClient, signer: Signer, url: str) -> tuple[int, float]:
    """POST one message with a valid token: the status and the seconds it took. The client
    gives up after 5 s; the SDK's own fetch waited 30 s for each request in turn."""
    start = time.perf_counter()
    response = await client.post(
        "/api/messages",
        json=activity(url, text="menu"),
        headers={"Authorization": f"Bearer {signer.token(service_url=url)}"},
        timeout=aiohttp.ClientTimeout(total=5),
    )
    return response.status, time.perf_counter() - start


async def test_a_hung_key_fetch_is_shared_bounded_and_not_repeated(
    monkeypatch, keys, signer, connector, caplog
) -> None:
    fake, url = connector
    keys.hang = True
    caplog.set_level(logging.INFO)
    async with await _client(monkeypatch, retry_after=LONG) as client:
        results = await asyncio.gather(*(_post(client, signer, url) for _ in range(5)))
        assert [status for status, _ in results] == [401] * 5
        assert max(seconds for _, seconds in results) < TIMEOUT + 2
        assert keys.requests == 1  # one fetch for all five

        later = [await _post(client, signer, url) for _ in range(5)]
        assert [status for status, _ in later] == [401] * 5
        assert keys.requests == 1  # the failure is remembered: refused without a fetch
    assert fake.posted == []
    unavailable = [r for r in caplog.records if "signing keys unavailable" in r.getMessage()]
    assert len(unavailable) == 1 and "TimeoutError" in unavailable[0].getMessage()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "Traceback" not in caplog.text


async def test_once_the_retry_interval_passed_a_recovered_key_endpoint_lets_tokens_in(
    monkeypatch, keys, signer, connector
) -> None:
    fake, url = connector
    keys.hang = True
    async with await _client(monkeypatch, retry_after=SHORT) as client:
        assert (await _post(client, signer, url))[0] == 401
        keys.hang = False
        await asyncio.sleep(SHORT + 0.1)
        assert (await _post(client, signer, url))[0] in (200, 202)
        assert (await _post(client, signer, url))[0] in (200, 202)
    assert keys.requests == 2  # the failed fetch, the one that worked; then the cache
    assert len(fake.messages()) == 2
