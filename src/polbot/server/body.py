"""The JSON body of a request, read the same way by every channel's route.

aiohttp raises while reading a body larger than the route accepts, or one that does not match
its ``Content-Encoding`` (labelled gzip, not gzip), or whose client hung up half-way;
``json.loads`` raises for bytes that are
not UTF-8 or not JSON, or nested deeper than it recurses. Each is bad client input, which a
route answers with a 4xx and one warning line: :class:`BadBody` gives the status and a short
reason that never quotes the body.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web


class BadBody(Exception):
    """A request body that cannot be read as JSON: ``status`` 413 or 400, and why."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


async def read_json(request: web.Request) -> Any:
    """The request's body as a JSON value; :class:`BadBody` if it cannot be read as one."""
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge as exc:  # the app's (or route's) client_max_size
        raise BadBody(413, "body too large") from exc
    except web.RequestPayloadError as exc:  # a Content-Encoding the body does not match
        raise BadBody(400, "body does not decode") from exc
    except ConnectionError as exc:  # the client hung up before the body was complete
        raise BadBody(400, "client disconnected") from exc
    try:
        return json.loads(raw)
    # RecursionError: nesting deeper than the parser recurses ("[[[[..."), not a server fault.
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise BadBody(400, "invalid json") from exc
