"""The terminal channel, run by ``polbot chat``.

Replies are printed as plain text with their buttons as numbered options. Typing the number
of an option presses that button of the last reply (a number with no button gets the
numbers there are); ``/menu``, ``/start``, ``/help``, ``/contact`` and ``/over`` are
commands; ``+`` or ``-`` under an answer press its 👍 or 👎; ``/stop``, Ctrl-D or Ctrl-C end
the chat; anything else is a question. Where Python has ``readline``, a typed line can be
edited and earlier ones recalled with the arrow keys; the history lives in memory only
(questions may say who asked) and ends with the chat. Runs without network or token.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from polbot.dialogue import (
    Assistant,
    Button,
    ButtonPress,
    Command,
    Event,
    Reply,
    TextMessage,
    payloads,
)
from polbot.dialogue.markup import parse
from polbot.dialogue.render import plain, plain_blocks
from polbot.knowledge import KnowledgeBase

PROMPT = "> "
_COMMAND = re.compile(r"/([A-Za-z]+)")
_NUMBER = re.compile(r"[0-9]{1,3}")


@dataclass(frozen=True, slots=True)
class NoSuchButton:
    """A typed number that no button of the last reply has."""

    number: str


def line_editing() -> bool:
    """Give ``input()`` line editing and a history (arrow keys, Ctrl-R) where Python has
    ``readline`` (not on Windows); the history stays in memory. Whether it is on."""
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401  (importing it is what switches it on)

        return True
    return False


def converse(
    kb: KnowledgeBase, assistant: Assistant, *, read: Callable[[str], str], out: TextIO
) -> int:
    """The chat loop: show the home menu, then answer each line until the user stops."""
    buttons = _show(assistant.handle(Command("start")), out)
    print(_wrapped(plain_blocks(parse(kb.message("console-hint")))), file=out)
    while True:
        try:
            line = read(PROMPT)
        except (EOFError, KeyboardInterrupt):
            print(file=out)  # end the prompt's line
            break
        event = _event(line, buttons)
        if event is None:
            break
        if isinstance(event, NoSuchButton):
            # The buttons stay those of the last reply: the user can still press one.
            text = kb.message("console-no-such-button", number=event.number, last=str(len(buttons)))
            print(f"\n{_wrapped(plain_blocks(parse(text)))}\n", file=out, flush=True)
            continue
        buttons = _show(assistant.handle(event), out)
    print(plain_blocks(parse(kb.message("console-goodbye"))), file=out)
    return 0


def _event(line: str, buttons: tuple[Button, ...]) -> Event | NoSuchButton | None:
    """What a typed line means; ``None`` for ``/stop``.

    A number presses that button of the last reply; a number without a button is
    :class:`NoSuchButton` (a reply without buttons takes it as a question).
    """
    text = line.strip()
    if command := _COMMAND.fullmatch(text):
        name = command[1].lower()
        return None if name == "stop" else Command(name)
    if _NUMBER.fullmatch(text) and buttons:
        if 1 <= int(text) <= len(buttons):
            return ButtonPress(buttons[int(text) - 1].payload)
        return NoSuchButton(text)
    if text in ("+", "-") and (rating := _rating(buttons, helpful=text == "+")) is not None:
        return ButtonPress(rating.payload)
    return TextMessage(line)


def _rating(buttons: tuple[Button, ...], *, helpful: bool) -> Button | None:
    """The 👍 (``helpful``) or 👎 button among ``buttons``, if the last reply has one."""
    for button in buttons:
        target = payloads.parse(button.payload)
        if isinstance(target, payloads.Rate) and target.helpful == helpful:
            return button
    return None


def _show(replies: tuple[Reply, ...], out: TextIO) -> tuple[Button, ...]:
    """Print the replies; the buttons of the last one are the options a number presses."""
    for reply in replies:
        print(file=out)
        print(_wrapped(plain(reply)), file=out)
        if reply.buttons:
            print(file=out)
        for number, button in enumerate(reply.buttons, start=1):
            print(f"  [{number}] {button.label}", file=out)
        print(file=out, flush=True)
    return replies[-1].buttons if replies else ()


def _wrapped(text: str) -> str:
    """Text wrapped to the terminal (at most 100 columns), bullets hanging under their dash."""
    width = min(shutil.get_terminal_size().columns, 100) - 1
    return "\n".join(
        textwrap.fill(line, width, subsequent_indent="  " if line.startswith("- ") else "")
        if line
        else line
        for line in text.splitlines()
    )
