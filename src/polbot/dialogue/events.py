"""Events a channel hands to the dialogue core."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TextMessage:
    """Free text typed by the user."""

    text: str


@dataclass(frozen=True, slots=True)
class Command:
    """A command as typed, with or without its slash (``/start``, ``menu@polbot_bot``); the
    assistant answers those of :data:`polbot.vocabulary.COMMANDS` and helps with others."""

    name: str


@dataclass(frozen=True, slots=True)
class ButtonPress:
    """A pressed button, carrying the payload it was given (possibly forged)."""

    payload: str


Event = TextMessage | Command | ButtonPress
