"""Button payloads: what a button opens, in at most 64 bytes (Telegram's callback limit).

Navigation is stateless, so every payload names its target completely:

- ``home``: the home menu;
- ``t:<theme>``: a theme's menu;
- ``p:<page>``: a page from its start; ``p:<page>:<part>`` the part ``<part>`` (2 or more)
  of a page too long for one message ("Lees verder");
- ``a:help``, ``a:over``: the help and about texts;
- ``f<rating><answer>:<page>``: feedback on the answer ``<page>`` gave to a question, with
  ``<rating>`` ``y`` (👍, it helped) or ``n`` (👎) and ``<answer>`` the kind of answer it
  was, ``d`` (direct) or ``a`` (with alternatives): ``fyd:capaciteit``. Nothing about the
  user or the question; letters only, so that it survives a URL's query string as it is.

:func:`parse` is total: any string, forged or truncated, gives a target or an
:class:`InvalidPayload`, never an exception. Whether a named page or theme exists is for the
assistant to check; this module only knows the syntax.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

MAX_BYTES = 64
"""Telegram accepts callback data of 1 to 64 bytes; the other channels have more room."""

Action = Literal["help", "over"]
ACTIONS: tuple[Action, ...] = ("help", "over")

_ID = r"[a-z0-9-]{1,60}"
_PAYLOAD = re.compile(
    rf"home|t:(?P<theme>{_ID})|p:(?P<page>{_ID})(?::(?P<part>[2-9]|[1-9][0-9]))?"
    rf"|a:(?P<action>{'|'.join(ACTIONS)})"
    rf"|f(?P<rating>[yn])(?P<answer>[da]):(?P<rated>{_ID})"
)


@dataclass(frozen=True, slots=True)
class OpenHome:
    """Open the home menu."""


@dataclass(frozen=True, slots=True)
class OpenTheme:
    theme_id: str


@dataclass(frozen=True, slots=True)
class OpenPage:
    """Open a page; ``part`` counts from 1 (the part holding the title and summary)."""

    page_id: str
    part: int = 1


@dataclass(frozen=True, slots=True)
class OpenAction:
    action: Action


@dataclass(frozen=True, slots=True)
class Rate:
    """Feedback on the answer ``page_id`` gave: ``helpful`` (👍) or not (👎); ``direct``
    whether it was a direct answer or one with alternatives."""

    page_id: str
    helpful: bool
    direct: bool


@dataclass(frozen=True, slots=True)
class InvalidPayload:
    """A payload that does not parse; ``size`` in bytes says how much came (for logs)."""

    size: int


Target = OpenHome | OpenTheme | OpenPage | OpenAction | Rate | InvalidPayload


def parse(payload: object) -> Target:
    """What ``payload`` opens.

    >>> parse("p:capaciteit:2")
    OpenPage(page_id='capaciteit', part=2)
    >>> parse("p:capaciteit:1")
    InvalidPayload(size=14)
    >>> parse("fnd:capaciteit")
    Rate(page_id='capaciteit', helpful=False, direct=True)
    """
    if not isinstance(payload, str):  # a channel's JSON may carry a number or null
        return InvalidPayload(size=0)
    match = _PAYLOAD.fullmatch(payload) if len(payload) <= MAX_BYTES else None
    if match is None:
        return InvalidPayload(size=len(payload.encode("utf-8", "replace")))
    if match["theme"]:
        return OpenTheme(match["theme"])
    if match["page"]:
        return OpenPage(match["page"], int(match["part"] or 1))
    if match["rated"]:
        return Rate(match["rated"], helpful=match["rating"] == "y", direct=match["answer"] == "d")
    if match["action"]:
        return OpenAction(match["action"])  # type: ignore[arg-type]  # the regex allows only ACTIONS
    return OpenHome()


def home() -> str:
    """The payload of the home menu."""
    return "home"


def theme(theme_id: str) -> str:
    """The payload opening theme ``theme_id``."""
    return _checked(f"t:{theme_id}")


def page(page_id: str, part: int = 1) -> str:
    """The payload opening ``page_id`` at ``part`` (1 is the start and has no suffix)."""
    return _checked(f"p:{page_id}" if part == 1 else f"p:{page_id}:{part}")


def action(name: Action) -> str:
    """The payload of the help or about text."""
    return _checked(f"a:{name}")


def feedback(page_id: str, *, helpful: bool, direct: bool) -> str:
    """The payload of 👍 (``helpful``) or 👎 under the answer ``page_id`` gave; ``direct``:
    a direct answer, not one with alternatives."""
    return _checked(f"f{'y' if helpful else 'n'}{'d' if direct else 'a'}:{page_id}")


def _checked(payload: str) -> str:
    # A payload we cannot read back would break navigation silently: fail where it is built.
    if len(payload.encode("utf-8")) > MAX_BYTES or isinstance(parse(payload), InvalidPayload):
        raise ValueError(f"cannot build a valid payload of at most {MAX_BYTES} bytes: {payload!r}")
    return payload
