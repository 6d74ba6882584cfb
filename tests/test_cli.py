"""The command line: every command is listed, has help text and fails the same way."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from polbot.commands import COMMANDS, main, parser
from polbot.knowledge import KnowledgeError, load_knowledge

README = (Path(__file__).parents[1] / "README.md").read_text("utf-8")


def test_no_command_prints_usage_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    out = capsys.readouterr().out
    for name in COMMANDS:
        assert name in out


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_and_option_has_help_text_and_the_readme_names_the_command(
    name: str,
) -> None:
    # As sqlite-utils checks its own: a command nobody can learn about is not finished.
    command = parser(name)
    assert COMMANDS[name].help and command.description == COMMANDS[name].help
    undocumented = [action.dest for action in command._actions if not action.help]
    assert undocumented == [], f"polbot {name}: options without help"
    assert re.search(rf"`polbot {re.escape(name)}(\s[^`]*)?`", README), f"README: polbot {name}"


def test_unknown_command_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["frobnicate"])
    assert exit_.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [["ask", "hoi"], ["ask", "--json", "hoi"], ["eval", "EVAL"], ["bench"], ["chat"]],
    ids=" ".join,
)
def test_a_command_refuses_a_broken_knowledge_base_with_one_line_per_problem(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "home.yaml").write_text("home: [unclosed\n", encoding="utf-8")
    (kb / "signalering.yaml").write_text("pages:\n  - id: x\n    id: y\n", encoding="utf-8")
    with pytest.raises(KnowledgeError) as broken:
        load_knowledge(kb)
    eval_file = tmp_path / "eval.yaml"
    eval_file.write_text("- {q: 'hoi', expect: smalltalk}\n", encoding="utf-8")
    argv = [str(eval_file) if arg == "EVAL" else arg for arg in argv]

    assert main([*argv, "--kb", str(kb)]) == 2
    captured = capsys.readouterr()
    assert len(broken.value.problems) >= 2
    expected = [f"polbot {argv[0]}: {problem}" for problem in broken.value.problems]
    assert captured.err.splitlines() == expected
    assert captured.out == ""


@pytest.mark.parametrize("stage", ["create_app", "run"])
def test_a_bug_at_start_up_is_a_traceback_not_a_setup_problem(
    stage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a setup error is exit status 2: a ValueError from a bug must not pass for one."""
    import polbot.runtime.logs
    import polbot.runtime.reload
    import polbot.server.app

    def bug(*_args: object) -> None:
        raise ValueError("a bug, not a setting")

    monkeypatch.setattr(polbot.runtime.reload, "ignore_hangups", lambda: None)
    monkeypatch.setattr(polbot.runtime.logs, "setup_logging", lambda _level: None)
    monkeypatch.setattr(polbot.server.app, "create_app", lambda _settings: None)
    monkeypatch.setattr(polbot.server.app, stage, bug)
    with pytest.raises(ValueError, match="a bug"):
        main(["serve"])
