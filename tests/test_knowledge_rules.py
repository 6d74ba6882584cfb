"""``polbot validate`` checks every content rule the tests enforce, each problem with its
file:line and what to do, so that a content owner can use it alone."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from polbot.commands import main
from polbot.knowledge.rules import MAX_QUESTIONS, MIN_QUESTIONS
from server_support import KNOWLEDGE


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    copy = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, copy)
    return copy


def validate(folder: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    status = main(["validate", str(folder)])
    return status, capsys.readouterr().err.splitlines()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_bundled_knowledge_base_keeps_every_rule(folder, capsys) -> None:
    assert validate(folder, capsys) == (0, [])


def test_the_same_example_question_on_two_pages(folder, capsys) -> None:
    edit(
        folder / "home.yaml",
        "      - Waar gaat deze handreiking over?",
        "      - Wat verstaan we onder polarisatie?",
    )
    status, lines = validate(folder, capsys)
    assert status == 1
    (line,) = [line for line in lines if "same example question" in line]
    assert re.match(
        rf"{re.escape(str(folder))}/home\.yaml:\d+: pages\[\d\]\.questions\[\d\]:", line
    )
    assert "keep it on the one page" in line and "home.yaml:" in line.split(": ", 1)[1]


def test_too_few_example_questions(folder, capsys) -> None:
    for question in ("Waar gaat deze handreiking over?", "Wat kan ik allemaal met dit document?",
                     "Welke thema's behandelt de handreiking?"):  # fmt: skip
        edit(folder / "home.yaml", f"      - {question}\n", "")
    status, lines = validate(folder, capsys)
    assert status == 1
    (line,) = [line for line in lines if "example questions" in line]
    assert f"{MIN_QUESTIONS} to {MAX_QUESTIONS}" in line and "add some" in line
    assert re.search(r"home\.yaml:\d+: pages\[0\]\.questions:", line)


def test_a_handbook_sentence_lost_or_moved(folder, capsys) -> None:
    sentence = "Hierdoor wordt de betrokkenheid bij de eigen woonomgeving vergroot."
    path = next(p for p in folder.glob("*.yaml") if sentence in p.read_text(encoding="utf-8"))
    edit(path, sentence, "")
    status, lines = validate(folder, capsys)
    assert status == 1
    (line,) = [line for line in lines if "on no page" in line]
    assert re.match(r".*/source/aanpak-polarisatie\.txt:\d+: ", line)
    assert "put it back" in line and "Hierdoor wordt" in line

    # Moved: on another page than the one under whose heading it stands.
    edit(folder / "home.yaml", "    summary: >-\n", f"    summary: >-\n      {sentence}\n")
    _, lines = validate(folder, capsys)
    assert [line for line in lines if "move it back" in line and "Hierdoor" in line]


def test_a_yml_file_would_be_ignored(folder, capsys) -> None:
    shutil.copy(folder / "home.yaml", folder / "extra.yml")
    status, lines = validate(folder, capsys)
    assert status == 1
    assert (
        lines[0]
        == f"{folder}/extra.yml: ignored: polbot reads only *.yaml files; rename it to extra.yaml"
    )
