"""What a typed line means in ``polbot chat``, and the loop around it (in process)."""

from __future__ import annotations

import io

import pytest

from dialogue_support import FakeEngine, result, tiny_kb
from polbot.channels.console import NoSuchButton, converse
from polbot.channels.console import _event as event_for_line
from polbot.dialogue import Assistant, Button, ButtonPress, Command, TextMessage

BUTTONS = (Button("Signalering", "t:signalering"), Button("Contact", "p:contact"))


@pytest.mark.parametrize(
    ("line", "event"),
    [
        ("1", ButtonPress("t:signalering")),
        (" 2 \n", ButtonPress("p:contact")),
        ("3", NoSuchButton("3")),
        ("0", NoSuchButton("0")),
        ("1234", TextMessage("1234")),  # a year or an amount, not a button number
        ("-1", TextMessage("-1")),
        ("١", TextMessage("١")),  # an Arabic-Indic digit is text, not a button number
        ("/menu", Command("menu")),
        (" /HELP ", Command("help")),
        ("/contact", Command("contact")),
        ("/ over", TextMessage("/ over")),
        ("Wie moet ik trainen?", TextMessage("Wie moet ik trainen?")),
        ("", TextMessage("")),
        ("/stop", None),
        ("/Stop", None),
    ],
)
def test_a_line_is_a_button_a_command_a_question_or_the_end(line: str, event: object) -> None:
    assert event_for_line(line, BUTTONS) == event


def run(lines: list[str], *, end: type[BaseException] = EOFError) -> str:
    kb = tiny_kb()
    assistant = Assistant(kb, FakeEngine({"hoi": result("smalltalk", smalltalk_id="groet")}))
    pending = iter(lines)

    def read(prompt: str) -> str:
        try:
            return next(pending)
        except StopIteration:
            raise end from None

    out = io.StringIO()
    assert converse(kb, assistant, read=read, out=out) == 0
    return out.getvalue()


@pytest.mark.parametrize("end", [EOFError, KeyboardInterrupt])
def test_the_chat_starts_with_the_menu_and_ends_with_a_goodbye(end: type[BaseException]) -> None:
    text = run(["1", "hoi"], end=end)
    kb = tiny_kb()
    assert "  [1] Signalering\n  [2] Wat is polarisatie?\n  [3] Contact" in text
    assert "  [1] Een lange pagina\n  [2] Een korte pagina" not in text
    assert "  [1] Netwerk opbouwen\n  [2] Een lange pagina\n  [3] Een korte pagina" in text
    assert "Goedendag!" in text
    assert text.rstrip().endswith(kb.message("console-goodbye"))


def test_stop_ends_the_chat_before_reading_further() -> None:
    text = run(["/stop", "hoi"])
    assert "Goedendag!" not in text


def test_a_number_without_a_button_gets_the_numbers_there_are_and_keeps_the_buttons() -> None:
    kb = tiny_kb()
    text = run(["7", "1"])
    told = kb.message("console-no-such-button", number="7", last="3")
    assert " ".join(told.split()) in " ".join(text.split())
    # The menu's buttons still count: "1" after the notice opens the first theme.
    assert "  [1] Netwerk opbouwen" in text


def test_without_buttons_a_number_is_a_question() -> None:
    assert event_for_line("7", ()) == TextMessage("7")
