"""Fixtures the whole suite shares: the real knowledge base and assistant, and the fake
platforms (Telegram's Bot API, Teams' Bot Connector) on loopback.

A module that needs something else under the same name (a tiny knowledge base, a recording
handler) defines its own fixture, which takes precedence in that module. The platform
libraries are imported inside the fixtures that use them, so a quick run of one test file
loads only what it needs.
"""

from __future__ import annotations

import itertools
import logging
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from polbot.dialogue import Assistant
from polbot.knowledge import KnowledgeBase
from server_support import real_parts

if TYPE_CHECKING:
    from aiohttp.test_utils import TestClient

    from polbot.runtime.observe import ObservedHandler
    from postgres_support import PostgresServer
    from teams_support import FakeConnector
    from telegram_fake import FakeBotApi


@pytest.fixture(autouse=True)
def _no_log_setup_left_behind() -> Iterator[None]:
    """Undo a command's ``setup_logging`` after each test: its handler writes to the stream
    that was stdout or stderr then, which pytest closes once the test has been captured."""
    root = logging.getLogger()
    level = root.level
    yield
    from polbot.runtime.logs import JsonFormatter

    for handler in list(root.handlers):
        if isinstance(handler.formatter, JsonFormatter):
            root.removeHandler(handler)
    root.setLevel(level)


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    """The bundled knowledge base, loaded once (it is read-only)."""
    return real_parts()[0]


@pytest.fixture(scope="session")
def assistant(kb: KnowledgeBase) -> Assistant:
    """The real assistant over the real engine on :func:`kb`, built once (it keeps no state)."""
    return real_parts()[1]


@pytest.fixture
async def api(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeBotApi]:
    """A fake Telegram Bot API on 127.0.0.1, see ``telegram_fake``."""
    from telegram_fake import FakeBotApi

    # Clients that read the environment (the server's own) must not send loopback to a proxy.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    async with FakeBotApi() as api:
        yield api


@pytest.fixture
def telegram_handler(kb: KnowledgeBase, assistant: Assistant) -> ObservedHandler:
    """The real assistant as the Telegram channel gets it: observed, with fresh metrics."""
    from polbot.runtime.assembly import Assembly

    return Assembly(kb, assistant=assistant).handler("telegram")


@pytest.fixture
async def connector() -> AsyncIterator[tuple[FakeConnector, str]]:
    """A fake Teams Bot Connector on 127.0.0.1 and its URL, see ``teams_support``."""
    from teams_support import running_connector

    async with running_connector() as running:
        yield running


@pytest.fixture
async def teams(kb: KnowledgeBase, assistant: Assistant) -> AsyncIterator[TestClient]:
    """``polbot serve``'s application with Teams on (anonymous), serving the real assistant."""
    from aiohttp.test_utils import TestClient, TestServer

    from polbot.server.app import build_app
    from teams_support import teams_settings

    app = build_app(teams_settings(), kb, assistant)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A real PostgreSQL server on loopback for the session, see ``postgres_support``."""
    from postgres_support import postgres_bin, postgres_server

    if postgres_bin() is None:
        pytest.skip("no PostgreSQL (initdb): run `make test` as root to install Debian's")
    with postgres_server() as server:
        yield server


_databases = itertools.count()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty review database, once SQLite and once PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'review.db'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.create_database(f"review_{os.getpid()}_{next(_databases)}")
