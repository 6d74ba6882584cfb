"""Test doubles for the Teams tests: a fake Bot Connector (over HTTP or HTTPS), a fake
signing-key endpoint, Teams-shaped activities, and JWTs signed with the tests' own RSA key so
that token validation never leaves loopback."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import itertools
import ssl
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import aiohttp.connector
import jwt
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from polbot.channels.teams.signing_keys import SigningKeys

APP_ID = "00000000-0000-4000-8000-00000000b0b0"
BOT_ID = f"28:{APP_ID}"
BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
KEY_ID = "test-key"


@dataclass
class Posted:
    """One request the SDK made to the connector."""

    path: str
    authorization: str | None
    body: dict[str, Any]
    segments: tuple[str, ...] = ()
    """The path's segments as sent, each percent-decoded on its own: a conversation id with
    an escaped ``/`` is one segment."""


@dataclass
class FakeConnector:
    """The Bot Connector service a ``serviceUrl`` points at: records what the bot posts,
    anywhere on the host (a POST outside ``/v3/conversations/{id}/activities[/{id}]`` is
    recorded too, and answered 404 as the real service would)."""

    posted: list[Posted] = field(default_factory=list)
    status: int = 200
    """What the connector answers; 5xx plays an outage. Its error body quotes the
    conversation id, JSON-escaped, as services' error messages do."""
    _ids: itertools.count = field(default_factory=itertools.count)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._activity)
        return app

    async def _activity(self, request: web.Request) -> web.Response:
        segments = tuple(unquote(part) for part in request.raw_path.split("?")[0].split("/")[1:])
        self.posted.append(
            Posted(
                request.path, request.headers.get("Authorization"), await request.json(), segments
            )
        )
        api = segments[:2] == ("v3", "conversations") and segments[3:4] == ("activities",)
        if not api or len(segments) > 5:
            return web.json_response({"error": {"code": "NotFound"}}, status=404)
        if self.status >= 400:
            message = f"Conversation {segments[2]} is unavailable"
            error = {"error": {"code": "ServiceError", "message": message}}
            return web.json_response(error, status=self.status)
        return web.json_response({"id": f"reply-{next(self._ids)}"})

    def messages(self) -> list[dict[str, Any]]:
        """The message activities posted so far (typing indicators left out)."""
        return [post.body for post in self.posted if post.body.get("type") == "message"]


@asynccontextmanager
async def running_connector(
    tls: TestCertificate | None = None,
) -> AsyncIterator[tuple[FakeConnector, str]]:
    """A fake connector on 127.0.0.1 and its URL, the ``serviceUrl`` of test activities:
    ``https://`` with ``tls`` (a :class:`TestCertificate` the client side trusts), else
    ``http://``.

    Its access log is off: the paths it serves name conversations, and the privacy tests
    read every log line the product writes."""
    fake = FakeConnector()
    server = TestServer(fake.app(), host="127.0.0.1")
    await server.start_server(access_log=None, ssl=tls.server_context() if tls else None)
    try:
        yield fake, str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


class TestCertificate:
    """A self-signed certificate for 127.0.0.1, made in memory, and the means to make the
    SDK's HTTP clients trust it (and nothing else) for the length of one test."""

    __test__ = False  # a helper, not a test class

    def __init__(self) -> None:
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
        now = datetime.datetime.now(datetime.UTC)
        self._certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False,
            )
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(self._key, hashes.SHA256())
        )
        self.pem = self._certificate.public_bytes(serialization.Encoding.PEM).decode()

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        with tempfile.TemporaryDirectory() as folder:
            cert, key = Path(folder, "cert.pem"), Path(folder, "key.pem")
            cert.write_text(self.pem)
            key.write_bytes(
                self._key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
            context.load_cert_chain(cert, key)  # it reads files only
        return context

    def trust(self, monkeypatch) -> None:
        """Make aiohttp's default verified TLS context, which the SDK's sessions use, one that
        trusts this certificate only (aiohttp builds that context once, at import)."""
        context = ssl.create_default_context(cadata=self.pem)
        monkeypatch.setattr(aiohttp.connector, "_SSL_CONTEXT_VERIFIED", context)


def activity(service_url: str, **fields: Any) -> dict[str, Any]:
    """A Teams personal-chat message, as the Bot Service posts it; ``fields`` override."""
    body: dict[str, Any] = {
        "type": "message",
        "id": "1700000000001",
        "timestamp": "2025-01-01T10:00:00.000Z",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {"id": "29:user-aaaa", "name": "Jan Jansen", "aadObjectId": "aad-user-1"},
        "conversation": {
            "id": "a:conversation-personal-1",
            "conversationType": "personal",
            "tenantId": "tenant-1",
        },
        "recipient": {"id": BOT_ID, "name": "polbot"},
        "text": "Hallo",
        "textFormat": "plain",
        "locale": "nl-NL",
        "channelData": {"tenant": {"id": "tenant-1"}},
    }
    body.update(fields)
    return body


def channel_mention(service_url: str, text: str) -> dict[str, Any]:
    """A message in a team channel that mentions the bot, as Teams sends it."""
    return activity(
        service_url,
        text=f"<at>polbot</at> {text}",
        conversation={
            "id": "19:channel-1@thread.tacv2;messageid=1700000000001",
            "conversationType": "channel",
            "isGroup": True,
            "tenantId": "tenant-1",
        },
        entities=[
            {
                "type": "mention",
                "text": "<at>polbot</at>",
                "mentioned": {"id": BOT_ID, "name": "polbot"},
            }
        ],
    )


def members_added(service_url: str, *member_ids: str, conversation_type: str = "personal"):
    """A ``conversationUpdate`` telling the bot that ``member_ids`` joined."""
    body = activity(
        service_url,
        type="conversationUpdate",
        membersAdded=[{"id": member} for member in member_ids],
    )
    body["conversation"]["conversationType"] = conversation_type
    del body["text"]
    return body


def card_press(service_url: str, value: Any) -> dict[str, Any]:
    """What Teams sends for an ``Action.Submit``: a message without text, ``value`` = data."""
    body = activity(service_url, value=value)
    del body["text"]
    return body


class Signer:
    """Signs Bot Service-like tokens with a key of its own, and publishes that key: as the
    document polbot's signing-key lookup downloads (:meth:`install`), or served over loopback
    by :class:`KeyServer`."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.requested: list[str] = []

    def token(
        self,
        *,
        audience: str = APP_ID,
        expires_in: float = 3600,
        key: rsa.RSAPrivateKey | None = None,
        service_url: str = "http://127.0.0.1",
    ) -> str:
        now = int(time.time())
        claims = {
            "iss": BOT_FRAMEWORK_ISSUER,
            "aud": audience,
            "iat": now - 10,
            "nbf": now - 10,
            "exp": now + int(expires_in),
            "serviceurl": service_url,
        }
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": KEY_ID})

    def key_set(self) -> dict[str, Any]:
        """The JWKS document with this signer's public key, as the Bot Service publishes it."""
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [{**public, "kid": KEY_ID, "alg": "RS256", "use": "sig"}]}

    async def download(self, jwks_uri: str) -> dict[str, Any]:
        self.requested.append(jwks_uri)
        return self.key_set()

    def install(self, monkeypatch) -> None:
        """Answer polbot's key set downloads (any URL) with this signer's key set, so that
        nothing leaves loopback; the lookup, its cache and its deadlines stay polbot's."""
        monkeypatch.setattr(SigningKeys, "download", self.download)


@dataclass
class KeyServer:
    """A signing-key (JWKS) endpoint on 127.0.0.1 that serves a signer's key set, or hangs
    (``hang``) the way a stuck upstream does: it accepts the request and never answers."""

    signer: Signer
    hang: bool = False
    requests: int = 0
    _release: asyncio.Event = field(default_factory=asyncio.Event)

    async def _keys(self, _request: web.Request) -> web.Response:
        self.requests += 1
        if self.hang:
            await self._release.wait()  # until the server closes
        return web.json_response(self.signer.key_set())

    @asynccontextmanager
    async def running(self) -> AsyncIterator[str]:
        """Serve; the URL of the key set."""
        app = web.Application()
        app.router.add_get("/keys", self._keys)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server(access_log=None)
        try:
            yield str(server.make_url("/keys"))
        finally:
            self._release.set()
            await server.close()


def observed(inner: Any) -> Any:
    """A test's own handler (``handle`` only) as the endpoint gets it in the server: observed
    for ``teams``, with the channel's texts and ``reject()``."""
    from polbot.runtime.assembly import Assembly
    from server_support import real_parts

    return Assembly(real_parts()[0], assistant=inner).handler("teams")


def teams_settings(**teams: Any):
    """Server settings with only the Teams channel on (anonymous unless ``teams`` says)."""
    from polbot.paths import default_knowledge_dir
    from polbot.server.config import ChannelSettings, Settings, TeamsSettings, WebSettings

    section = TeamsSettings(**({"enabled": True, "anonymous": True} | teams))
    return Settings(
        knowledge_dir=default_knowledge_dir(),
        channels=ChannelSettings(web=WebSettings(enabled=False), teams=section),
    )


def card_actions(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``Action.Submit`` actions of every card of a posted message, in order: those of
    the body's elements (``selectAction``, an ``ActionSet``'s actions) and the card's own."""

    def found(element: dict[str, Any]) -> list[dict[str, Any]]:
        actions = [element["selectAction"]] if "selectAction" in element else []
        actions += element.get("actions", [])
        for child in element.get("items", []) + element.get("body", []):
            actions += found(child)
        return actions

    return [
        action
        for attachment in message.get("attachments", [])
        if attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
        for action in found(attachment["content"])
    ]


def cards_buttons(message: dict[str, Any]) -> list[int]:
    """How many buttons each card of a posted message holds."""
    return [
        len(card_actions({"attachments": [attachment]}))
        for attachment in message.get("attachments", [])
    ]


def payload_of(action: dict[str, Any]) -> str:
    """The payload a card action sends back (a ``messageBack``'s value)."""
    return action["data"]["msteams"]["value"]["payload"]


def press(service_url: str, action: dict[str, Any]) -> dict[str, Any]:
    """What Teams posts when a ``messageBack`` button is pressed: the button's ``text`` as the
    message (its ``displayText`` is what the chat shows as the user's), its ``value``."""
    back = action["data"]["msteams"]
    assert back["type"] == "messageBack"
    return activity(service_url, text=back["text"], value=back["value"])


SDK_ENV = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"
OUTBOUND_TOKEN = "token-for-the-connector"
CLIENT_SECRET = "s3cr3t-never-logged"


def teams_environment(monkeypatch, *, anonymous: bool, app_id: str | None) -> None:
    """The environment of a Teams deployment: an app id with its secret, anonymous mode, or
    (both ``False``/``None``) neither."""
    for name in ("CLIENTID", "CLIENTSECRET", "TENANTID"):
        monkeypatch.delenv(SDK_ENV + name, raising=False)
    if app_id:
        monkeypatch.setenv(SDK_ENV + "CLIENTID", app_id)
        monkeypatch.setenv(SDK_ENV + "CLIENTSECRET", CLIENT_SECRET)
    if anonymous:
        monkeypatch.setenv("POLBOT_TEAMS_ANONYMOUS", "1")
    else:
        monkeypatch.delenv("POLBOT_TEAMS_ANONYMOUS", raising=False)


async def _outbound_token(self, resource_url, scopes, force_refresh=False) -> str:
    return OUTBOUND_TOKEN


def fixed_outbound_token(monkeypatch) -> None:
    """The bot's own token for the connector would come from Entra ID, which cannot run
    locally: a fixed token instead, which the fake connector sees on every reply."""
    from microsoft_agents.authentication.msal import MsalAuth

    monkeypatch.setattr(MsalAuth, "get_access_token", _outbound_token)
