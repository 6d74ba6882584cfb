"""The JSON body of a request, read the same way by every channel's route.

Reading a body fails in many ways that are all bad client input: aiohttp raises for a body
larger than the route accepts, or one that does not match its ``Content-Encoding`` (labelled
gzip, not gzip); the client may hang up half-way or send too slowly; ``json.loads`` raises
for bytes that are not UTF-8 or not JSON, nested deeper than it recurses, or an integer of
more digits than Python converts (a plain ``ValueError``). A route answers each with a 4xx
and one warning line: :class:`BadBodyError` gives the status and a short reason that never quotes
the body.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

from polbot.errors import BadBodyError

BODY_TIMEOUT = web.AppKey("polbot.body_timeout", float)
"""Seconds a route waits for the whole body to arrive (the ``body_timeout`` setting)."""

DEFAULT_BODY_TIMEOUT = 30.0
"""For an app built without the setting (a channel's own tests)."""


async def read_json(request: web.Request) -> Any:
    """The request's body as a JSON value; :class:`BadBodyError` if it cannot be read as one."""
    try:
        # A client that sends a byte now and then would otherwise hold the request forever.
        async with asyncio.timeout(request.app.get(BODY_TIMEOUT, DEFAULT_BODY_TIMEOUT)):
            raw = await request.read()
    except web.HTTPRequestEntityTooLarge as exc:  # the app's (or route's) client_max_size
        raise BadBodyError(413, "body too large") from exc
    except web.RequestPayloadError as exc:  # a Content-Encoding the body does not match
        raise BadBodyError(400, "body does not decode") from exc
    except TimeoutError as exc:
        raise BadBodyError(408, "body too slow") from exc
    except ConnectionError as exc:  # the client hung up before the body was complete
        raise BadBodyError(400, "client disconnected") from exc
    try:
        return json.loads(raw)
    # ValueError: not UTF-8, not JSON, or an integer beyond Python's digit limit ("1000…0");
    # RecursionError: nesting deeper than the parser recurses ("[[[[...").
    except (ValueError, RecursionError) as exc:
        raise BadBodyError(400, "invalid json") from exc
