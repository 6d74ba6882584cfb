"""Only the Bot Service gets in: every request to the Teams endpoint needs a valid JWT, checked
by the Agents SDK, unless anonymous mode is switched on for local development.

Tokens are signed with the tests' own RSA key; polbot's signing-key lookup downloads that key
set instead of Microsoft's, so nothing leaves loopback. The bot's outbound token would come
from Entra ID, which cannot run locally: ``MsalAuth.get_access_token`` is replaced by a fixed
token, and the fake connector (over HTTPS: with a token, replies go to ``https://`` only)
checks that replies carry it."""

from __future__ import annotations

import logging
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import jwt
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from cryptography.hazmat.primitives.asymmetric import rsa

from polbot.channels.teams.endpoint import mount
from polbot.channels.teams.settings import TeamsSettings
from polbot.channels.teams.signing_keys import SigningKeys
from polbot.dialogue.events import Event
from polbot.dialogue.replies import Paragraph, Reply, Span
from polbot.errors import TeamsSetupError
from server_support import POLBOT, clean_environ, free_port
from teams_support import (
    APP_ID,
    BOT_FRAMEWORK_ISSUER,
    CLIENT_SECRET,
    OUTBOUND_TOKEN,
    SDK_ENV,
    Signer,
    TestCertificate,
    activity,
    fixed_outbound_token,
    observed,
    running_connector,
    teams_environment,
)


@dataclass
class CountingHandler:
    events: list[Event] = field(default_factory=list)

    def handle(self, event: Event, observer: object = None) -> tuple[Reply, ...]:
        self.events.append(event)
        return (Reply((Paragraph((Span("ok"),)),)),)


@pytest.fixture(scope="module")
def signer() -> Signer:
    return Signer()


@pytest.fixture(scope="module")
def certificate() -> TestCertificate:
    return TestCertificate()


@pytest.fixture
def handler() -> CountingHandler:
    return CountingHandler()


@pytest.fixture
async def tls_connector(monkeypatch, certificate):
    """The fake connector over HTTPS, trusted by the SDK's clients for this test."""
    certificate.trust(monkeypatch)
    async with running_connector(tls=certificate) as running:
        yield running


async def _client(monkeypatch, signer, handler, *, anonymous: bool, app_id: str | None):
    teams_environment(monkeypatch, anonymous=anonymous, app_id=app_id)
    signer.install(monkeypatch)
    fixed_outbound_token(monkeypatch)
    app = web.Application()
    mount(app, observed(handler), TeamsSettings())
    return TestClient(TestServer(app, host="127.0.0.1"))


@pytest.fixture
async def secured(monkeypatch, signer, handler) -> AsyncIterator[TestClient]:
    async with await _client(monkeypatch, signer, handler, anonymous=False, app_id=APP_ID) as c:
        yield c


@pytest.fixture
async def anonymous(monkeypatch, signer, handler) -> AsyncIterator[TestClient]:
    async with await _client(monkeypatch, signer, handler, anonymous=True, app_id=None) as c:
        yield c


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


BAD_CREDENTIALS = {
    "no header": lambda signer: {},
    "garbage": lambda signer: _bearer("garbage"),
    "not bearer": lambda signer: {"Authorization": "Basic dXNlcjpwYXNz"},
    "wrong key": lambda signer: _bearer(
        signer.token(key=rsa.generate_private_key(public_exponent=65537, key_size=2048))
    ),
    "wrong audience": lambda signer: _bearer(signer.token(audience="someone-else")),
    "expired": lambda signer: _bearer(signer.token(expires_in=-3600)),
    "unsigned": lambda signer: _bearer(
        jwt.encode({"aud": APP_ID, "exp": 4102444800}, None, algorithm="none")
    ),
}


@pytest.mark.parametrize("credentials", BAD_CREDENTIALS.values(), ids=BAD_CREDENTIALS.keys())
async def test_a_request_without_a_valid_token_gets_401_and_reaches_no_handler(
    secured, connector, signer, handler, credentials, caplog
) -> None:
    fake, url = connector
    caplog.set_level(logging.INFO)
    response = await secured.post(
        "/api/messages", json=activity(url, text="menu"), headers=credentials(signer)
    )
    assert response.status == 401
    assert handler.events == []
    assert fake.posted == []
    assert "Traceback" not in caplog.text
    assert [r.levelname for r in caplog.records if r.levelno >= logging.WARNING]  # said so


async def test_a_valid_token_gets_through_and_the_reply_carries_the_bots_token(
    secured, tls_connector, signer, handler
) -> None:
    fake, url = tls_connector
    response = await secured.post(
        "/api/messages",
        json=activity(url, text="menu"),
        headers=_bearer(signer.token(service_url=url)),
    )
    assert response.status in (200, 202)
    assert len(handler.events) == 1
    [post] = fake.posted
    assert post.authorization == f"Bearer {OUTBOUND_TOKEN}"


async def test_anonymous_mode_accepts_a_request_without_a_header(anonymous, connector, handler):
    fake, url = connector
    response = await anonymous.post("/api/messages", json=activity(url, text="menu"))
    assert response.status in (200, 202)
    assert len(handler.events) == 1
    assert fake.posted[0].authorization is None


@pytest.mark.parametrize("credentials", ["garbage", "wrong key", "expired"])
async def test_anonymous_mode_still_rejects_a_bad_token(
    anonymous, connector, signer, handler, credentials
) -> None:
    _fake, url = connector
    headers = BAD_CREDENTIALS[credentials](signer)
    response = await anonymous.post("/api/messages", json=activity(url), headers=headers)
    assert response.status == 401
    assert handler.events == []


async def test_anonymous_mode_is_announced_with_a_warning(monkeypatch, signer, caplog) -> None:
    caplog.set_level(logging.INFO)
    teams_environment(monkeypatch, anonymous=True, app_id=None)
    mount(web.Application(), observed(CountingHandler()), TeamsSettings())
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "POLBOT_TEAMS_ANONYMOUS" in warnings[0].getMessage()


async def test_a_secured_endpoint_starts_without_that_warning(monkeypatch, caplog) -> None:
    caplog.set_level(logging.INFO)
    teams_environment(monkeypatch, anonymous=False, app_id=APP_ID)
    mount(web.Application(), observed(CountingHandler()), TeamsSettings())
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_neither_app_id_nor_anonymous_mode_refuses_to_start(monkeypatch) -> None:
    teams_environment(monkeypatch, anonymous=False, app_id=None)
    with pytest.raises(TeamsSetupError, match="app id"):
        mount(web.Application(), observed(CountingHandler()), TeamsSettings())


async def test_the_app_id_of_the_configuration_file_is_used(monkeypatch, signer, tls_connector):
    _fake, url = tls_connector
    teams_environment(monkeypatch, anonymous=False, app_id=None)
    signer.install(monkeypatch)
    fixed_outbound_token(monkeypatch)
    handler = CountingHandler()
    app = web.Application()
    mount(app, observed(handler), TeamsSettings(**{"app_id": APP_ID, "path": "/teams"}))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        headers = _bearer(signer.token(service_url=url))
        assert (await client.post("/teams", json=activity(url), headers=headers)).status == 202
        wrong = _bearer(signer.token(audience="other-app"))
        assert (await client.post("/teams", json=activity(url), headers=wrong)).status == 401
    assert len(handler.events) == 1


async def test_the_client_secret_is_never_logged(secured, tls_connector, signer, caplog):
    fake, url = tls_connector
    caplog.set_level(logging.DEBUG)
    await secured.post(
        "/api/messages", json=activity(url), headers=_bearer(signer.token(service_url=url))
    )
    await secured.post("/api/messages", json=activity(url), headers=_bearer("garbage"))
    assert len(fake.messages()) == 1
    assert CLIENT_SECRET not in caplog.text


# Tokens that made the SDK's validation raise past its own 401: a 500 and an ERROR line each.
ISSUE_TOKEN = (  # issue 12, row 3: {"alg": "none"} without "kid", a Bot Framework issuer
    "eyJhbGciOiJub25lIn0.eyJpc3MiOiJodHRwczovL2FwaS5ib3RmcmFtZXdvcmsuY29tIiwiYXVkIjoieCJ9."
)
UNEXPECTED_TOKENS = {
    "no key id": lambda signer: ISSUE_TOKEN,
    "signed, but no key id": lambda signer: jwt.encode(
        {"iss": BOT_FRAMEWORK_ISSUER, "aud": APP_ID, "exp": 4102444800}, signer.key, "RS256"
    ),
}


@pytest.mark.parametrize("make", UNEXPECTED_TOKENS.values(), ids=UNEXPECTED_TOKENS.keys())
async def test_a_token_the_sdk_does_not_expect_gets_401_and_one_warning(
    secured, tls_connector, signer, handler, make, caplog
) -> None:
    fake, url = tls_connector
    caplog.set_level(logging.INFO)
    for _ in range(3):  # one warning line per request, and no ERROR
        response = await secured.post(
            "/api/messages", json=activity(url), headers=_bearer(make(signer))
        )
        assert response.status == 401
    assert handler.events == [] and fake.posted == []
    levels = [r.levelname for r in caplog.records if r.levelno >= logging.WARNING]
    assert levels == ["WARNING"] * 3
    assert not any(r.exc_info for r in caplog.records) and "Traceback" not in caplog.text


async def test_any_exception_of_the_token_check_is_a_401(
    monkeypatch, secured, tls_connector, signer, handler, caplog
) -> None:
    """What the SDK's validation raises beyond PyJWT's errors and ValueError is a 401 too."""
    fake, url = tls_connector

    async def broken(self, jwks_uri, header):
        raise LookupError("a failure nobody foresaw")

    monkeypatch.setattr(SigningKeys, "get_signing_key", broken)
    caplog.set_level(logging.INFO)
    token = _bearer(signer.token(service_url=url))
    response = await secured.post("/api/messages", json=activity(url), headers=token)
    assert response.status == 401
    assert handler.events == [] and fake.posted == []
    [warning] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert warning.levelname == "WARNING" and warning.getMessage() == "invalid input"
    assert "LookupError" in warning.reason  # type: ignore[attr-defined]
    assert "nobody foresaw" not in caplog.text and "Traceback" not in caplog.text


ANONYMOUS_AND_APP_ID = {
    "both in the environment": ({SDK_ENV + "CLIENTID": APP_ID, "POLBOT_TEAMS_ANONYMOUS": "1"}, {}),
    "app id in the settings": ({"POLBOT_TEAMS_ANONYMOUS": "1"}, {"app_id": APP_ID}),
    "anonymous in the settings": ({SDK_ENV + "CLIENTID": APP_ID}, {"anonymous": True}),
}


@pytest.mark.parametrize(
    ("environ", "settings"), ANONYMOUS_AND_APP_ID.values(), ids=ANONYMOUS_AND_APP_ID.keys()
)
def test_anonymous_mode_with_an_app_id_refuses_to_mount(monkeypatch, environ, settings) -> None:
    teams_environment(monkeypatch, anonymous=False, app_id=None)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    app = web.Application()
    with pytest.raises(TeamsSetupError, match="exclude each other"):
        mount(app, observed(CountingHandler()), TeamsSettings(**settings))
    assert not app.router.routes()


def test_polbot_serve_with_anonymous_mode_and_an_app_id_exits_2_with_one_line() -> None:
    """An app id set and POLBOT_TEAMS_ANONYMOUS=1 left over was accepted: requests without a
    token got in and were answered."""
    environ = clean_environ(
        POLBOT_TEAMS_ANONYMOUS="1",
        **{SDK_ENV + "CLIENTID": APP_ID, SDK_ENV + "CLIENTSECRET": CLIENT_SECRET},
    )
    result = subprocess.run(
        [str(POLBOT), "serve", "--host", "127.0.0.1", "--port", str(free_port())],
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("polbot serve: channels.teams: anonymous mode ")
    assert "Traceback" not in result.stderr + result.stdout
    assert CLIENT_SECRET not in result.stderr + result.stdout


@pytest.mark.parametrize("scheme", ["http", "ftp"])
async def test_with_a_token_replies_go_to_https_only(
    secured, connector, signer, handler, caplog, scheme
) -> None:
    fake, url = connector  # plain http on loopback
    caplog.set_level(logging.INFO)
    service_url = url.replace("http", scheme, 1)
    response = await secured.post(
        "/api/messages",
        json=activity(service_url, text="menu"),
        headers=_bearer(signer.token(service_url=service_url)),
    )
    assert response.status == 400
    assert handler.events == [] and fake.posted == []
    [warning] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert warning.levelname == "WARNING" and warning.getMessage() == "invalid input"
    assert "https" in warning.reason  # type: ignore[attr-defined]
