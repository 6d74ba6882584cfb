"""Where replies may go: the activity's ``serviceUrl`` checked, its ids escaped in the path.

The SDK posts every reply to ``{serviceUrl}v3/conversations/{conversation id}/activities/{id}``,
formatted from the incoming activity as it stands. Without a token anyone can write that
activity: in anonymous mode a request could have the replies (the whole activity) posted to
any address the server reaches, and a conversation id like ``../../../admin`` walks out of
the Bot Connector's path. A ``serviceUrl`` the SDK cannot use (``file:``, ``javascript:``,
none) failed inside the SDK with two ERROR lines and a session left open.

:func:`check_reply_address` refuses such an activity before the SDK sees it (a 400 and one
warning line): with a Bot Service token replies go only to ``https://`` URLs, in anonymous
mode only to loopback (a local emulator such as the Agents Playground). The SDK's connector
client gets the ids through :class:`EscapingClientFactory`, each escaped as one path segment.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any, cast
from urllib.parse import quote

from microsoft_agents.hosting.core import RestChannelServiceClientFactory
from microsoft_agents.hosting.core.connector.client import ConnectorClient
from yarl import URL

from polbot.errors import BadActivityError

# Every character RFC 3986 allows in a path segment besides the unreserved ones, which quote()
# never escapes: Teams' own ids ("19:...@thread.tacv2;messageid=...") stay as they are, so
# they keep their length (the SDK cuts conversation ids at 150 characters).
_SEGMENT_SAFE = ":@!$&'()*+,;="
# A path segment of dots cannot be escaped: yarl decodes %2E again and resolves the segment.
_DOT_SEGMENTS = frozenset({".", ".."})
_HOST_NAME = re.compile(r"[A-Za-z0-9.-]{1,253}")


def path_segment(value: str) -> str:
    """``value`` escaped as one URL path segment: ``/``, ``?``, ``#``, ``%``, spaces and
    non-ASCII become percent escapes.

    >>> path_segment("../../../admin")
    '..%2F..%2F..%2Fadmin'
    """
    return quote(value, safe=_SEGMENT_SAFE)


def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _is_loopback(host: str) -> bool:
    address = _address(host)
    return address.is_loopback if address else host.rstrip(".").lower() == "localhost"


def check_reply_address(body: dict[str, Any], *, loopback_only: bool) -> None:
    """Raise :class:`BadActivityError` unless the replies to ``body`` (a checked activity, see
    :func:`polbot.channels.teams.inbound.parse_activity`) may go where it says.

    ``loopback_only`` (anonymous mode): the ``serviceUrl`` must be ``http`` or ``https`` on
    a loopback address; otherwise it must be ``https``. Either way a plain URL: a host, no
    user, query or fragment. Neither id may be a dot segment (``.``, ``..``).
    """
    text = body.get("serviceUrl")
    if not isinstance(text, str) or not text:
        raise BadActivityError("activity has no serviceUrl")
    try:
        url = URL(text)
        host = url.raw_host or ""  # IDN host names as punycode
    except ValueError as exc:
        raise BadActivityError("serviceUrl is not a URL") from exc
    plain = url.absolute and url.user is None and not url.query_string and not url.fragment
    if not plain or not (_address(host) or _HOST_NAME.fullmatch(host)):
        raise BadActivityError("serviceUrl is not a plain URL with a host")
    if loopback_only:
        if url.scheme not in ("http", "https") or not _is_loopback(host):
            raise BadActivityError("serviceUrl is not on loopback (anonymous mode)")
    elif url.scheme != "https":
        raise BadActivityError("serviceUrl is not https")
    for name, value in (("conversation id", body["conversation"]["id"]), ("id", body.get("id"))):
        if value in _DOT_SEGMENTS:
            raise BadActivityError(f"activity {name} is a dot segment")


class _EscapedConversations:
    """The connector client's conversation operations, with every id escaped before the SDK
    formats it into a URL; everything else passes through."""

    def __init__(self, operations: Any) -> None:
        self._operations = operations

    def __getattr__(self, name: str) -> Any:
        return getattr(self._operations, name)

    async def send_to_conversation(self, conversation_id: str, body: Any) -> Any:
        return await self._operations.send_to_conversation(path_segment(conversation_id), body)

    async def reply_to_activity(self, conversation_id: str, activity_id: str, body: Any) -> Any:
        return await self._operations.reply_to_activity(
            path_segment(conversation_id), path_segment(activity_id), body
        )

    async def update_activity(self, conversation_id: str, activity_id: str, body: Any) -> Any:
        return await self._operations.update_activity(
            path_segment(conversation_id), path_segment(activity_id), body
        )

    async def delete_activity(self, conversation_id: str, activity_id: str) -> Any:
        return await self._operations.delete_activity(
            path_segment(conversation_id), path_segment(activity_id)
        )


class EscapingClientFactory(RestChannelServiceClientFactory):
    """The SDK's own client factory, whose connector clients escape the ids they are given
    (the SDK hands them on unescaped, and its ``conversations`` is a read-only property)."""

    async def create_connector_client(self, *args: Any, **kwargs: Any) -> Any:
        client = await super().create_connector_client(*args, **kwargs)
        if isinstance(client, ConnectorClient):
            client._conversations = cast(Any, _EscapedConversations(client.conversations))
        return client
