"""The terminal channel, run by ``polbot chat``.

Replies are printed as plain text with their buttons as numbered options. Typing the number
of an option presses that button of the last reply; ``/menu``, ``/start``, ``/help``,
``/contact`` and ``/over`` are commands; ``+`` or ``-`` under an answer press its 👍 or 👎;
``/stop``, Ctrl-D or Ctrl-C end the chat; anything else is a question. Runs without network
or token.
"""

from __future__ import annotations

import re
import shutil
import textwrap
from collections.abc import Callable
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
        buttons = _show(assistant.handle(event), out)
    print(plain_blocks(parse(kb.message("console-goodbye"))), file=out)
    return 0


def _event(line: str, buttons: tuple[Button, ...]) -> Event | None:
    """What a typed line means; ``None`` for ``/stop``.

    A number presses a button of the last reply only when such a button exists; any other
    number is a question like any other text.
    """
    text = line.strip()
    if command := _COMMAND.fullmatch(text):
        name = command[1].lower()
        return None if name == "stop" else Command(name)
    if _NUMBER.fullmatch(text) and 1 <= int(text) <= len(buttons):
        return ButtonPress(buttons[int(text) - 1].payload)
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
