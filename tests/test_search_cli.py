"""``polbot ask``, ``polbot eval`` and ``polbot bench`` as a user runs them."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from polbot.commands import main

ROOT = Path(__file__).resolve().parents[1]


def test_ask_json_prints_the_contract_object(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "--json", "Wie moet ik trainen?"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert list(answer) == ["question", "kind", "id", "score", "direct", "candidates"]
    assert answer["question"] == "Wie moet ik trainen?"
    assert (answer["kind"], answer["direct"]) == ("answer", True)
    assert answer["id"] == answer["candidates"][0]["id"]
    assert 0 <= answer["score"] <= 1
    assert 1 <= len(answer["candidates"]) <= 3


def test_ask_json_dash_answers_every_stdin_line_in_order(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    questions = ["hoi", "Hoe vraag ik een parkeervergunning aan?", "", "begroting"]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(questions) + "\n"))
    assert main(["ask", "--json", "-"]) == 0
    lines = capsys.readouterr().out.splitlines()
    answers = [json.loads(line) for line in lines]
    assert [a["question"] for a in answers] == questions
    assert [a["kind"] for a in answers] == ["smalltalk", "fallback", "fallback", "answer"]
    assert answers[1]["id"] is None


def test_ask_prints_a_readable_reply(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "Welke financiële middelen heb ik nodig?"]) == 0
    out = capsys.readouterr().out
    assert "begroting" in out.lower()
    assert not out.lstrip().startswith("{")


def test_ask_with_a_missing_knowledge_folder_fails_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", "--kb", str(tmp_path / "nothing"), "hoi"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("polbot ask: ") and "Traceback" not in err


EVAL_FILE = """\
- {q: "Wie moet ik trainen?", expect: [train-de-juiste-mensen]}
- {q: "begroting", expect: [financiele-middelen]}
- {q: "Hoe vraag ik een parkeervergunning aan?", expect: fallback}
- {q: "hallo", expect: smalltalk}
- {q: "wijkagent", expect: [inleiding]}
"""


@pytest.fixture
def eval_file(tmp_path: Path) -> Path:
    path = tmp_path / "questions.yaml"
    path.write_text(EVAL_FILE, encoding="utf-8")
    return path


def test_eval_prints_the_contract_figures_and_misses(
    eval_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval", str(eval_file), "--misses", "--json"]) == 0
    out = capsys.readouterr().out
    for label in ("top-1", "top-3", "wrongly sent to fallback", "deflected", "smalltalk"):
        assert label in out
    assert "MISS 'wijkagent': expected inleiding, got versterken-van-vertrouwen" in out
    figures = json.loads(out.splitlines()[-1])
    assert figures["top1"] == pytest.approx(2 / 3, abs=1e-3)
    assert figures["deflected"] == 1.0 and figures["smalltalk"] == 1.0


def test_eval_ends_with_what_users_see_after_the_reliability_table(
    eval_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval", str(eval_file)]) == 0
    lines = capsys.readouterr().out.splitlines()
    labels = [
        "top-1 (right page first)",
        "answered straight away and right",
        "answered with alternatives",
        "wrongly sent to fallback",
        "out-of-scope deflected",
        "smalltalk recognised",
    ]
    assert all(line.startswith(label) for line, label in zip(lines[-6:], labels, strict=True))
    assert any(line.startswith("reliability") for line in lines)
    assert any(line.startswith("expected calibration error") for line in lines)


def test_ask_json_carries_whether_the_answer_is_direct(capsys) -> None:
    assert main(["ask", "--json", "Hoe vraag ik een parkeervergunning aan?"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert (answer["kind"], answer["direct"]) == ("fallback", False)


def test_ask_json_cold_start_imports_nothing_heavy() -> None:
    script = (
        "import sys; from polbot.commands import main; main(['ask', '--json', 'hoi']);"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy', 'numpy')];"
        "print(bad, file=sys.stderr); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    ("option", "limit", "code"),
    [
        ("--min-direct-right", "0.6", 0),
        ("--min-direct-right", "0.9", 1),
        ("--max-calibration-error", "0.0", 1),
        ("--max-calibration-error", "1.0", 0),
        ("--min-top1", "0.6", 0),
        ("--min-top1", "0.9", 1),
        ("--min-top3", "1.0", 1),
        ("--max-wrong-fallback", "0", 0),
        ("--min-deflected", "1.0", 0),
        ("--min-smalltalk", "1.0", 0),
    ],
)
def test_eval_exits_non_zero_when_a_required_figure_does_not_hold(
    eval_file: Path, option: str, limit: str, code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval", str(eval_file), option, limit]) == code


@pytest.mark.parametrize(
    "content", ["not: a list", "- {q: 1}", "- {q: 'x', expect: maybe}", "- [unclosed"]
)
def test_eval_rejects_a_malformed_file_in_one_line(
    tmp_path: Path, content: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    assert main(["eval", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("polbot eval: ") and len(err.strip().splitlines()) == 1


def test_bench_prints_a_table_and_a_json_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--pages", "50", "--questions", "40"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:2] == ["kb", "system"]
    rows = json.loads(out[-1])["bench"]
    assert {(r["kb"], r["system"]) for r in rows} == {
        ("real", "polbot"),
        ("real", "rank_bm25"),
        ("generated-50", "polbot"),
        ("generated-50", "rank_bm25"),
    }
    # A generous smoke check, not a benchmark: every question answered in well under 1 s.
    assert all(r["p99_ms"] < 1000 for r in rows)


def test_ask_json_does_not_import_any_chat_platform() -> None:
    script = (
        "import sys; from polbot.commands import main; main(['ask', '--json', 'hoi']);"
        "bad = [m for m in sys.modules if m.split('.')[0] in"
        " ('telegram', 'aiohttp', 'microsoft_agents')];"
        "print(bad, file=sys.stderr); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
