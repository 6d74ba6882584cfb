"""What Teams sends, checked and turned into the dialogue's events.

:func:`parse_activity` checks a request body before the Agents SDK sees it: the SDK answers a
body that is not an activity with a 500 and a traceback, polbot with a clean 400 and one
warning line. :func:`to_event` reads a checked message the way a user meant it.
"""

from __future__ import annotations

import html
import json
import logging
import re
from contextvars import ContextVar
from typing import Any

from microsoft_agents.activity import Activity, ActivityTypes
from pydantic import ValidationError

from polbot.dialogue.events import ButtonPress, Command, Event, TextMessage
from polbot.errors import BadActivityError
from polbot.vocabulary import COMMANDS

MAX_BODY_BYTES = 256 * 1024
"""The Bot Service posts activities of up to 256 KB (a Teams message is at most about 80 KB)."""

MAX_VALUE_CHARS = 1024
"""A button's value given as a JSON string is read only up to this size (a payload is at
most 64 bytes)."""

KNOWN_TYPES = frozenset(kind.value for kind in ActivityTypes)

# The SDK logs every activity that fails its model at ERROR, with a traceback; polbot's own
# check reports the failure in one warning line instead.
_SDK_ACTIVITY_LOGGER = "microsoft_agents.activity.activity"
_checking: ContextVar[bool] = ContextVar("polbot_teams_checking", default=False)

# Bounded: a mention is a short name, and an unbounded ".*?" would make a text full of "<at>"
# cost quadratic time.
_MENTION = re.compile(r"<at\b[^<>]{0,200}>[^<]{0,200}</at>", re.IGNORECASE)
_SPACE = re.compile(r"\s+")


class _WhileChecking(logging.Filter):
    """Drops the SDK's record of a validation failure that :func:`parse_activity` reports."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not _checking.get()


def quiet_sdk_validation_log() -> None:
    """Keep the SDK from logging the failures of :func:`parse_activity`'s check; idempotent."""
    logger = logging.getLogger(_SDK_ACTIVITY_LOGGER)
    if not any(isinstance(existing, _WhileChecking) for existing in logger.filters):
        logger.addFilter(_WhileChecking())


def parse_activity(body: Any) -> dict[str, Any]:
    """The request's JSON body (``polbot.runtime.body.read_json``), checked: an object that the
    SDK will accept as an activity.

    Raises :class:`BadActivityError` for a body that is not an object, has no string ``type``,
    ``channelId``, ``conversation.id`` or ``from.id``, or fails the SDK's activity model.
    """
    if not isinstance(body, dict):
        raise BadActivityError(f"body is a JSON {type(body).__name__}, not an object")
    kind = body.get("type")
    if not isinstance(kind, str) or not kind:
        raise BadActivityError("activity has no type")
    # The SDK's turn state needs all three; without them a turn fails with an ERROR.
    if not isinstance(body.get("channelId"), str) or not body["channelId"]:
        raise BadActivityError("activity has no channelId")
    for field in ("conversation", "from"):
        part = body.get(field)
        if not isinstance(part, dict) or not isinstance(part.get("id"), str) or not part["id"]:
            raise BadActivityError(f"activity has no {field} id")
    checking = _checking.set(True)
    try:
        Activity.model_validate(body)
    except ValidationError as exc:
        fields = sorted({".".join(map(str, error["loc"])) for error in exc.errors()})
        raise BadActivityError(f"activity fails the schema at {', '.join(fields)}") from exc
    except Exception as exc:  # the SDK's own checks raise a bare Exception (productInfo)
        raise BadActivityError(f"activity rejected by the SDK ({type(exc).__name__})") from exc
    finally:
        _checking.reset(checking)
    return body


def question_text(text: str | None) -> str:
    """The text a user typed, without ``<at>...</at>`` mentions, entities or extra spaces.

    >>> question_text("<at>polbot</at> Wat is&nbsp;polarisatie? ")
    'Wat is polarisatie?'
    """
    without_mentions = _MENTION.sub(" ", text or "")
    return _SPACE.sub(" ", html.unescape(without_mentions)).strip()


def card_payload(value: Any) -> str | None:
    """The payload of a pressed card button, else ``None``.

    Teams posts a ``messageBack`` button's value as the activity's value
    (``{"payload": "..."}``); a client that passes the button's whole ``data`` on sends it
    under ``msteams.value``, and a value given as a JSON string is read as one.

    >>> card_payload({"msteams": {"type": "messageBack", "value": {"payload": "home"}}})
    'home'
    """
    if (
        isinstance(value, dict)
        and "payload" not in value
        and isinstance(value.get("msteams"), dict)
    ):
        value = value["msteams"].get("value")
    if isinstance(value, str) and value.startswith("{") and len(value) <= MAX_VALUE_CHARS:
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if isinstance(value, dict) and isinstance(value.get("payload"), str):
        return value["payload"]
    return None


def to_event(activity: Activity) -> Event:
    """The dialogue event a Teams message stands for.

    A card button (``Action.Submit`` or ``messageBack``) is a :class:`ButtonPress`, even with
    a forged payload (the dialogue answers those politely); every command of the dialogue
    (``menu``, ``help``, ``contact``, ``over``, ``start``), with or without a slash, is a
    command, as the help text promises; anything else is a question.
    """
    payload = card_payload(activity.value)
    if payload is not None:
        return ButtonPress(payload)
    text = question_text(activity.text)
    command = text.lower().removeprefix("/")
    if command in COMMANDS:
        return Command(command)
    return TextMessage(text)


def wants_welcome(activity: Activity) -> bool:
    """Whether a ``conversationUpdate`` should be answered with the welcome: only when the bot
    itself was added to the conversation (installed), once per install, in every kind of
    conversation. Teams also tells a personal chat that its user joined, and a team of every
    new colleague: none of those gets a welcome of its own.
    """
    bot = activity.recipient.id if activity.recipient else None
    return bot is not None and any(m.id == bot for m in activity.members_added or [])


def is_group(activity: Activity) -> bool:
    """Whether the conversation is a group chat or a team channel, where the bot only hears
    messages that mention it."""
    conversation = activity.conversation
    kind = conversation.conversation_type if conversation else None
    return (kind or "personal") != "personal"
