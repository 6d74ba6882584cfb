"""The Teams channel: ``POST /api/messages`` on polbot's aiohttp server.

Built on the Microsoft 365 Agents SDK: the SDK validates the Bot Service's JWT
(``jwt_authorization_decorator``), turns the request into a turn (``CloudAdapter``,
``AgentApplication``) and posts the replies to the conversation's ``serviceUrl``. polbot adds
what the SDK leaves open: a body check that answers bad input with a 400 and one warning line
instead of a traceback, the mapping between activities and the dialogue's events, the card
rendering, and log records free of user data. It also puts bounds on the SDK: a deadline and a
memory of failures on the signing-key fetch (``signing_keys``), the addresses replies may go to
(``outbound``), and a 401 with one warning line for whatever the token check raises.

Configuration comes from the ``channels.teams`` settings (``path``, ``app_id``,
``tenant_id``) and the environment, under the SDK's own names:
``CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID``, ``...__CLIENTSECRET``,
``...__TENANTID`` (and the SDK's other ``...__SETTINGS__*`` keys). Secrets are only ever
read from the environment. ``POLBOT_TEAMS_ANONYMOUS=1`` accepts requests without a token, for
local development with the Agents Playground or tests, and never together with an app id.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import warnings
from collections.abc import Mapping
from typing import Any

from aiohttp import web
from microsoft_agents.activity import ActivityTypes
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import (
    CloudAdapter,
    jwt_authorization_decorator,
    start_agent_process,
)
from microsoft_agents.hosting.core import (
    AgentApplication,
    AgentAuthConfiguration,
    Storage,
    TurnContext,
    TurnState,
)

from polbot.channels import ChannelHandler
from polbot.channels.teams import privacy, signing_keys
from polbot.channels.teams.cards import render_all
from polbot.channels.teams.inbound import (
    KNOWN_TYPES,
    MAX_BODY_BYTES,
    is_group,
    parse_activity,
    quiet_sdk_validation_log,
    to_event,
    wants_welcome,
)
from polbot.channels.teams.outbound import EscapingClientFactory, check_reply_address
from polbot.channels.teams.settings import TeamsSettings
from polbot.dialogue import markup
from polbot.dialogue.events import Command, Event, TextMessage
from polbot.dialogue.replies import Reply
from polbot.errors import BadActivityError, BadBodyError, TeamsSetupError
from polbot.runtime.body import read_json
from polbot.vocabulary import TEAMS_ANONYMOUS_ENV, TEAMS_SDK_ENV_PREFIX

log = logging.getLogger(__name__)

ENV_PREFIX = TEAMS_SDK_ENV_PREFIX
ANONYMOUS_ENV = TEAMS_ANONYMOUS_ENV

# The key under which the SDK's JWT decorator looks up the auth configuration on the app,
# and the one under which it stores the caller's claims on a request that passed the check.
_SDK_CONFIG_KEY = "agent_configuration"
_CLAIMS_KEY = "claims_identity"


def auth_configuration(
    settings: TeamsSettings, environ: Mapping[str, str] = os.environ
) -> AgentAuthConfiguration:
    """The SDK's auth configuration from ``channels.teams`` and the environment.

    The settings (``app_id``, ``tenant_id``, ``anonymous``, ``client_secret``, which the server
    fills from the configuration file and the environment) win; the SDK's own environment
    names fill in the rest, so its other connection settings work as documented.
    """
    sdk: dict[str, Any] = {
        key.removeprefix(ENV_PREFIX): value
        for key, value in environ.items()
        if key.startswith(ENV_PREFIX) and value
    }
    secret = settings.client_secret.get_secret_value() if settings.client_secret else None
    for key, value in (
        ("CLIENTID", settings.app_id),
        ("TENANTID", settings.tenant_id),
        ("CLIENTSECRET", secret),
    ):
        if value:
            sdk[key] = value
    anonymous = settings.anonymous or environ.get(ANONYMOUS_ENV, "") == "1"
    if not sdk.get("CLIENTID") and not anonymous:
        raise TeamsSetupError(
            f"channels.teams: no app id: set channels.teams.app_id or {ENV_PREFIX}CLIENTID "
            f"(or {ANONYMOUS_ENV}=1 for local development only)"
        )
    if sdk.get("CLIENTID") and anonymous:
        # The SDK would accept requests without a token even though an app id is set: a
        # production bot opened by one leftover development variable.
        raise TeamsSetupError(
            f"channels.teams: anonymous mode ({ANONYMOUS_ENV}=1 or channels.teams.anonymous) "
            "and an app id exclude each other: unset one of them"
        )
    try:
        return AgentAuthConfiguration(anonymous_allowed=anonymous, **sdk)
    except ValueError as exc:
        raise TeamsSetupError(f"channels.teams: {exc}") from exc


class TeamsBot:
    """The turn logic: one activity in, the dialogue's replies out as Teams messages."""

    def __init__(self, handler: ChannelHandler) -> None:
        self._handler = handler

    def event_for(self, context: TurnContext) -> Event | None:
        """The dialogue event for this activity, or ``None`` when it needs no answer."""
        activity = context.activity
        if activity.type == ActivityTypes.message:
            event = to_event(activity)
            if event == TextMessage(""):
                log.warning("teams: message without text or card payload")
            return event
        if activity.type == ActivityTypes.conversation_update and wants_welcome(activity):
            return Command("start")
        return None  # typing, reactions, installs, ...: acknowledged, not answered

    async def on_activity(self, context: TurnContext, _state: TurnState) -> None:
        event = self.event_for(context)
        if event is None:
            return
        replies = self._handler.handle(event)
        if context.activity.type == ActivityTypes.conversation_update and is_group(
            context.activity
        ):
            replies = self._with_mention_hint(replies, context.activity.recipient)
        activities = render_all(replies)
        if activities:
            await context.send_activities(activities)

    def _with_mention_hint(self, replies: tuple[Reply, ...], bot: Any) -> tuple[Reply, ...]:
        """The welcome with how to mention the bot after its first text: in a group chat or
        a team the bot receives only the messages that mention it."""
        if not replies:
            return replies
        name = (getattr(bot, "name", None) or "").strip()
        name = name or self._handler.message("teams-name-short")
        hint = markup.parse(self._handler.message("teams-welcome-mention", name=name))
        first, *rest = replies
        return (dataclasses.replace(first, blocks=(*first.blocks, *hint)), *rest)

    @staticmethod
    async def on_error(_context: TurnContext, error: Exception) -> None:
        # The SDK's default would print a traceback and send the exception text to the user.
        log.error("teams: turn failed: %s", privacy.scrub(f"{type(error).__name__}: {error}"))


class NoStorage(Storage):
    """Storage that keeps nothing: navigation is stateless (every button names what it opens),
    so polbot remembers no conversation and no user between turns."""

    async def read(self, keys: list[str], *, target_cls: Any = None, **kwargs: Any) -> dict:
        return {}

    async def write(self, changes: dict) -> None:
        return None

    async def delete(self, keys: list[str]) -> None:
        return None


def build_agent(
    handler: ChannelHandler, auth: AgentAuthConfiguration
) -> tuple[AgentApplication[TurnState], CloudAdapter]:
    """The SDK's application and adapter, routing every activity to :class:`TeamsBot`."""
    connections = MsalConnectionManager(connections_configurations={"SERVICE_CONNECTION": auth})
    adapter = CloudAdapter(channel_service_client_factory=EscapingClientFactory(connections))
    bot = TeamsBot(handler)
    adapter.on_turn_error = bot.on_error
    agent = AgentApplication[TurnState](
        storage=NoStorage(),
        connection_manager=connections,
        start_typing_timer=False,
        remove_recipient_mention=True,
    )
    agent.add_route(lambda _context: True, bot.on_activity)
    agent.error(bot.on_error)
    return agent, adapter


def mount(app: web.Application, handler: ChannelHandler, settings: TeamsSettings) -> None:
    """Serve Teams at ``POST {settings.path}`` (default ``/api/messages``) on ``app``.

    Every request refused (a body or token that will not do) goes through
    ``handler.reject()``: one warning line and the ``polbot_invalid_input_total`` counter.
    Raises :class:`TeamsSetupError` when neither an app id nor anonymous mode is configured,
    or both are.
    """
    auth = auth_configuration(settings)
    signing_keys.install(
        timeout=settings.signing_key_timeout, retry_after=settings.signing_key_retry_after
    )
    privacy.install()
    quiet_sdk_validation_log()
    agent, adapter = build_agent(handler, auth)
    path = settings.path

    async def receive(request: web.Request) -> web.StreamResponse:
        if (request.content_length or 0) > MAX_BODY_BYTES:
            handler.reject(f"teams: body larger than {MAX_BODY_BYTES} bytes")
            return web.json_response({"error": "body too large"}, status=413)
        try:
            body = parse_activity(await read_json(request))
            if body["type"] in KNOWN_TYPES:  # the others reach no SDK and get no reply
                check_reply_address(body, loopback_only=auth.ANONYMOUS_ALLOWED)
        except BadBodyError as exc:
            handler.reject(f"teams: {exc.reason}")
            error = "body too large" if exc.status == 413 else "invalid activity"
            return web.json_response({"error": error}, status=exc.status)
        except BadActivityError as exc:
            handler.reject(f"teams: {exc.reason}")
            return web.json_response({"error": "invalid activity"}, status=400)
        privacy.remember(privacy.sensitive_values(body))
        if body["type"] not in KNOWN_TYPES:
            log.warning("teams: ignored activity of unknown type")
            return web.Response(status=202)
        try:
            response = await start_agent_process(request, agent, adapter)
        except Exception as exc:  # a failing connector or token service, not bad input
            log.error("teams: activity failed: %s", privacy.scrub(f"{type(exc).__name__}: {exc}"))
            return web.json_response({"error": "internal error"}, status=500)
        # The SDK's adapter is typed to return no response at all: accepted, nothing to say.
        return response if response is not None else web.Response(status=202)

    authorized = jwt_authorization_decorator(receive)

    async def endpoint(request: web.Request) -> web.StreamResponse:
        # The server's max_body_bytes suits the web chat; the Bot Service posts activities of
        # up to MAX_BODY_BYTES (cards, entities and channel data pass 64 KB).
        request = request.clone(client_max_size=MAX_BODY_BYTES)
        try:
            response = await authorized(request)
        except Exception as exc:
            if _CLAIMS_KEY in request:  # authenticated: raised by receive, not the token check
                raise
            # The SDK answers the errors it expects (PyJWT's, ValueError) with a 401 and lets
            # any other escape as a 500 with a traceback: a token is the client's input.
            handler.reject(f"teams: token check failed ({type(exc).__name__})")
            return web.json_response({"error": "invalid token"}, status=401)
        if response.status == 401 and "Authorization" in request.headers:
            handler.reject("teams: token refused", logged=True)  # the SDK has logged it
        elif response.status == 401:
            handler.reject("teams: no Authorization header")
        return response

    with warnings.catch_warnings():
        # The SDK's decorator reads its configuration from this plain string key.
        warnings.simplefilter("ignore", web.NotAppKeyWarning)
        app[_SDK_CONFIG_KEY] = auth
    # ... and stores the caller's claims under one on every request: nothing polbot can change.
    warnings.filterwarnings("ignore", category=web.NotAppKeyWarning, module=r"microsoft_agents\.")
    app.router.add_post(path, endpoint)
    if auth.ANONYMOUS_ALLOWED:
        log.warning(
            "teams: %s=1: requests WITHOUT a Bot Service token are accepted on %s; "
            "for local development only",
            ANONYMOUS_ENV,
            path,
        )
    log.info(
        "teams: endpoint on POST %s (%s)", path, "app id set" if auth.CLIENT_ID else "no app id"
    )
