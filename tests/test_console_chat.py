"""``polbot chat`` as a real process in a pseudo-terminal, on the real knowledge base."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pexpect
import pytest

from dialogue_support import (
    ALTERNATIVES_LEAD,
    COORDINATING_ROLE,
    HANDBOOK_MARK,
    PORTFOLIO_QUESTION,
    STRAIGHT_AWAY,
    TABLE_LINES,
)

POLBOT = Path(sys.executable).parent / "polbot"
TIMEOUT = 60  # the first start builds the engine's index on a shared 2-core machine


def spawn(*args: str) -> pexpect.spawn:
    env = {k: v for k, v in os.environ.items() if k != "POLBOT_KNOWLEDGE_DIR"}
    env.setdefault("TERM", "xterm")  # a terminal, as a user's: readline reads its keys
    child = pexpect.spawn(str(POLBOT), ["chat", *args], env=env, encoding="utf-8", timeout=TIMEOUT)
    child.expect_exact("[1] Beleid & organisatie")
    child.expect_exact("> ")
    return child


def finish(child: pexpect.spawn) -> str:
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    return child.before


@pytest.fixture
def child() -> pexpect.spawn:
    return spawn()


def test_press_a_theme_by_number_ask_a_question_and_stop(child: pexpect.spawn) -> None:
    child.sendline("2")
    child.expect_exact("Signalering")
    child.expect_exact("[1] Zet in op vroegtijdige signalering")
    child.expect_exact("> ")
    child.sendline("Welke baliemedewerkers moeten getraind worden?")
    child.expect_exact("Train de juiste mensen")
    child.expect_exact("[1] 👍 Ja")  # feedback first, right under its question
    child.expect_exact("[3] Lees verder")
    child.expect_exact("> ")
    child.sendline("3")
    child.expect_exact("Terug naar Bewustwording & kennis")
    child.expect_exact("> ")
    child.sendline("/stop")
    assert "Tot ziens!" in finish(child)


def test_a_number_that_is_no_button_gets_the_numbers_there_are(child: pexpect.spawn) -> None:
    child.sendline("42")
    child.expect(r"Er is geen knop met nummer 42\.\s+Kies een nummer van 1 tot en met 7")
    child.expect_exact("> ")
    child.sendline("2")  # the menu's buttons still count
    child.expect_exact("[1] Zet in op vroegtijdige signalering")
    child.expect_exact("> ")
    child.sendeof()
    assert "Tot ziens!" in finish(child)


UP, LEFT = "\x1b[A", "\x1b[D"


def test_arrow_up_recalls_the_last_question_and_a_line_can_be_edited(child: pexpect.spawn) -> None:
    child.sendline("Wie moet ik trainen?")
    child.expect_exact("[3] Lees verder")
    child.expect_exact("> ")
    child.sendline("/menu")
    child.expect_exact("> ")
    child.send(UP + UP + "\r")  # two back: the question, not /menu
    child.expect_exact("Train de juiste mensen")
    child.expect_exact("[3] Lees verder")
    child.expect_exact("> ")
    # Arrow keys move the cursor instead of landing in the question as escape codes: the
    # typo in "plarisatie" is mended in place.
    child.send("Wat is plarisatie?" + LEFT * 10 + "o\r")
    child.expect_exact("Definitie polarisatie")
    child.expect_exact("> ")
    child.sendline("/stop")
    finish(child)


def test_commands_work_and_ctrl_c_ends_cleanly(child: pexpect.spawn) -> None:
    child.sendline("/contact")
    child.expect_exact("VeiligheidsAlliantie@rotterdam.nl")
    child.expect_exact("> ")
    child.sendline("/menu")
    child.expect_exact("[1] Beleid & organisatie")
    child.expect_exact("> ")
    child.sendintr()
    output = finish(child)
    assert "Tot ziens!" in output
    assert "Traceback" not in output


def test_a_broken_knowledge_base_prints_the_problems_and_exits_2(tmp_path: Path) -> None:
    (tmp_path / "home.yaml").write_text("home: [unclosed\n", encoding="utf-8")
    child = pexpect.spawn(
        str(POLBOT), ["chat", "--kb", str(tmp_path)], encoding="utf-8", timeout=TIMEOUT
    )
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2, "like every command that cannot start"
    assert child.before.startswith("polbot chat: ") and "home.yaml:" in child.before
    assert "Traceback" not in child.before


def test_the_issue_questions_get_their_page_straight_away(child: pexpect.spawn) -> None:
    for question, _, title in STRAIGHT_AWAY:
        child.sendline(question)
        child.expect_exact(title)
        child.expect_exact("[3] Lees verder")
        child.expect_exact("> ")
        assert ALTERNATIVES_LEAD not in child.before, question
    child.sendline("/stop")
    finish(child)


def _wrapped(text: str) -> str:
    """A pattern for ``text`` as the terminal wraps it: any white space between words."""
    return r"\s+".join(re.escape(word) for word in text.split())


def test_the_portfolio_question_shows_the_passage_and_a_table_prints_its_rows(
    child: pexpect.spawn,
) -> None:
    child.sendline(PORTFOLIO_QUESTION)
    child.expect_exact("Borging portefeuille")
    child.expect_exact(HANDBOOK_MARK)
    child.expect(_wrapped(COORDINATING_ROLE))
    child.expect_exact("[3] Lees verder")
    child.expect_exact("> ")
    child.sendline("/menu")
    child.expect_exact("> ")
    child.sendline("2")  # Signalering
    child.expect_exact("[1] Zet in op vroegtijdige signalering")
    child.expect_exact("> ")
    child.sendline("1")
    for line in TABLE_LINES:
        child.expect_exact(line)
    child.expect_exact("> ")
    child.sendline("/stop")
    finish(child)
