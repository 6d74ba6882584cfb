"""Events a channel hands to the dialogue core."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TextMessage:
    """Free text typed by the user."""

    text: str


@dataclass(frozen=True, slots=True)
class Command:
    """A command without its slash: ``start``, ``menu``, ``help``, ``contact``, ``over``."""

    name: str


@dataclass(frozen=True, slots=True)
class ButtonPress:
    """A pressed button, carrying the payload it was given (possibly forged)."""

    payload: str


Event = TextMessage | Command | ButtonPress
