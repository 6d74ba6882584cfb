"""The loader and ``polbot validate``: a valid folder loads, every kind of mistake is named.

Each broken knowledge base is the tiny valid base in ``fixtures/knowledge/`` with one text
edit applied; the expected ``file:line: path`` heads refer to the lines of the edited copy.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from polbot.commands import main
from polbot.knowledge import KnowledgeError, Problem, load_knowledge
from polbot.paths import PROJECT_ROOT

BASE = Path(__file__).parent / "fixtures" / "knowledge"
REAL = PROJECT_ROOT / "knowledge"

Edit = tuple[str, str, str]
"""(file, old text, new text): ``old`` must occur exactly once; ``""`` in a new file."""

PREVENTIE = "preventie-en-repressie.yaml"

NETWERKEN_AGAIN = """
  - id: netwerken
    title: Netwerken
    theme: signalering
    summary: Een netwerk.
    text: [Een netwerk.]
    questions: [Een?, Twee?, Drie?, Vier?, Vijf?]
"""

SECOND_HOME = """home:
  title: Nog een handboek
  welcome: Welkom.
  menu:
    - label: Inleiding
      page: inleiding
  pages: [inleiding]
"""


def make_kb(root: Path, *edits: Edit) -> str:
    """Copy the valid base to ``root/kb``, apply ``edits``, and return ``"kb"``."""
    kb = root / "kb"
    shutil.copytree(BASE, kb)
    for name, old, new in edits:
        path = kb / name
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        assert text.count(old) == 1, f"{old!r} is not exactly once in {name}"
        path.write_text(text.replace(old, new), encoding="utf-8")
    return "kb"


def head(problem: Problem) -> str:
    """``kb/x.yaml:12: pages[0].title`` of a problem: everything before its message."""
    return str(problem).removesuffix(f": {problem.message}")


# (edits, the heads of every problem in order, a phrase of the first problem's message)
BROKEN: dict[str, tuple[list[Edit], list[str], str]] = {
    "unknown key": (
        [(PREVENTIE, "    title: Preventie\n", "    title: Preventie\n    titel: Preventie\n")],
        ["kb/preventie-en-repressie.yaml:12: pages[0].titel"],
        "unknown key; did you mean 'title'?",
    ),
    "missing field": (
        [(PREVENTIE, "    summary: Preventie richt zich op het voorkomen van polarisatie.\n", "")],
        ["kb/preventie-en-repressie.yaml:10: pages[0].summary"],
        "required field is missing",
    ),
    "wrong type": (
        [(PREVENTIE, "    title: Preventie\n", "    title: 2024\n")],
        ["kb/preventie-en-repressie.yaml:11: pages[0].title"],
        "must be text, not the number 2024; put it in quotes",
    ),
    "text read as a mapping": (
        [(PREVENTIE, "      - Investeer in contact", "      - Investeer: in contact")],
        ["kb/preventie-en-repressie.yaml:16: pages[0].text[1]"],
        "must be text, not a mapping (YAML reads 'a: b' as a key and a value); put the text",
    ),
    "duplicate page id": (
        [("signalering.yaml", "intern?\n", "intern?\n" + NETWERKEN_AGAIN)],
        ["kb/signalering.yaml:32: pages[1].id"],
        "duplicate page id 'netwerken': first at kb/preventie-en-repressie.yaml:30",
    ),
    "bad id form": (
        [("language.yaml", "- id: groet", "- id: Groet")],
        ["kb/language.yaml:9: smalltalk[0].id"],
        "'Groet' is not a valid id: use only lower-case letters a-z, digits and '-'",
    ),
    "unknown related page": (
        [(PREVENTIE, "      - ketenpartners\n", "      - ketenpartner\n")],
        ["kb/preventie-en-repressie.yaml:22: pages[0].related[1]"],
        "unknown page 'ketenpartner'; did you mean 'ketenpartners'?",
    ),
    "unknown theme of a page": (
        [(PREVENTIE, "repressie\n    summary: Een goed", "repressi\n    summary: Een goed")],
        ["kb/preventie-en-repressie.yaml:32: pages[1].theme"],
        "unknown theme 'preventie-en-repressi'; did you mean 'preventie-en-repressie'?",
    ),
    "unknown page in a theme": (
        [("signalering.yaml", "    - ketenpartners\n", "    - ketenpartners\n    - signalen\n")],
        ["kb/signalering.yaml:7: theme.pages[1]"],
        "unknown page 'signalen'",
    ),
    "unknown page in the home menu": (
        [("home.yaml", "      page: inleiding\n", "      page: inleidng\n")],
        ["kb/home.yaml:11: home.menu[2].page"],
        "unknown page 'inleidng'; did you mean 'inleiding'?",
    ),
    "empty text": (
        [(PREVENTIE, "      - Investeer in contact met inwoners.\n", '      - "  "\n')],
        ["kb/preventie-en-repressie.yaml:16: pages[0].text[1]"],
        "must not be empty",
    ),
    "empty summary": (
        [
            (
                "home.yaml",
                "    summary: Dit handboek helpt gemeenten bij de aanpak van",
                "    summary:\n#",
            )
        ],
        ["kb/home.yaml:19: pages[0].summary"],
        "must not be empty",
    ),
    "theme without pages": (
        [("signalering.yaml", "  pages:\n    - ketenpartners\n", "  pages: []\n")],
        ["kb/signalering.yaml:5: theme.pages"],
        "must not be empty",
    ),
    "page in no menu": (
        [(PREVENTIE, "    - netwerken\n\n", "\n")],
        ["kb/preventie-en-repressie.yaml:29: pages[1].id"],
        "page 'netwerken' is in no menu: add it to the pages: of theme 'preventie-en-repressie'",
    ),
    "page listed by another theme": (
        [("signalering.yaml", "    - ketenpartners\n", "    - ketenpartners\n    - netwerken\n")],
        ["kb/signalering.yaml:7: theme.pages[1]"],
        "page 'netwerken' belongs to theme 'preventie-en-repressie' (its theme: field), "
        "not to theme 'signalering'",
    ),
    "menu entry with a theme and a page": (
        [
            (
                "home.yaml",
                "      page: inleiding\n",
                "      page: inleiding\n      theme: signalering\n",
            )
        ],
        ["kb/home.yaml:10: home.menu[2]"],
        "a menu entry opens exactly one thing: give either theme: or page:",
    ),
    "menu entry with neither a theme nor a page": (
        [("home.yaml", "      page: inleiding\n", "")],
        ["kb/home.yaml:10: home.menu[2]"],
        "a menu entry opens exactly one thing: give either theme: or page:",
    ),
    "YAML syntax error": (
        [(PREVENTIE, "    title: Preventie\n", "    title: Preventie: de basis\n")],
        ["kb/preventie-en-repressie.yaml:11:21"],
        "YAML syntax error: mapping values are not allowed",
    ),
    "duplicate YAML key": (
        [
            (
                PREVENTIE,
                "    text:\n      - Preventie",
                "    title: Opnieuw\n    text:\n      - Preventie",
            )
        ],
        ["kb/preventie-en-repressie.yaml:14: pages[0].title"],
        "duplicate key 'title': it is already at line 11",
    ),
    "too few example questions": (
        [(PREVENTIE, "      - Hoe onderhoud ik mijn netwerk?\n", "")],
        ["kb/preventie-en-repressie.yaml:36: pages[1].questions"],
        "needs at least 5 items, has 4",
    ),
    "file that is not a mapping": (
        [("messages.yaml", "messages:\n", "- messages:\n")],
        ["kb/messages.yaml:1"],
        "the file is a list; a knowledge file is a mapping of sections (home:, theme:, pages:",
    ),
    "two home menus": (
        [("extra.yaml", "", SECOND_HOME)],
        ["kb/home.yaml:2: home"],
        "duplicate section 'home': first at kb/extra.yaml:1",
    ),
    "no home menu": (
        [("home.yaml", (BASE / "home.yaml").read_text(encoding="utf-8").split("\n\n")[0], "#")],
        ["kb", "kb/home.yaml:4: pages[0].id"],
        "no file has a home: section (the home menu)",
    ),
    "duplicate message key across files": (
        [("messages-web.yaml", "", "messages:\n  menu: Kies.\n")],
        ["kb/messages.yaml:3: messages.menu"],
        "duplicate message key 'menu': first at kb/messages-web.yaml:2",
    ),
    "message with a field the code does not fill in": (
        [("messages.yaml", "page-continued {title}", "page-continued {titel}")],
        ["kb/messages.yaml:12: messages.page-continued"],
        "unknown field {titel}; this text may use {title}",
    ),
    "message with a single brace": (
        [("messages.yaml", "Mail de helpdesk.", "Mail {de helpdesk.")],
        ["kb/messages.yaml:2: messages.fallback"],
        "a single '{' or '}' (write '{{' or '}}' for a brace); allowed: no {fields}",
    ),
    "message the code needs is missing": (
        [("messages.yaml", "  alternatives: Tekst voor alternatives\n", "")],
        ["kb: messages.alternatives"],
        "missing: polbot needs this text",
    ),
    "several errors at once": (
        [
            ("home.yaml", "      page: inleiding\n", "      page: inleidng\n"),
            ("language.yaml", "- id: groet", "- id: Groet"),
            (PREVENTIE, "    title: Preventie\n", "    title: Preventie\n    titel: Preventie\n"),
            (PREVENTIE, "      - Hoe onderhoud ik mijn netwerk?\n", ""),
        ],
        [
            "kb/home.yaml:11: home.menu[2].page",
            "kb/language.yaml:9: smalltalk[0].id",
            "kb/preventie-en-repressie.yaml:12: pages[0].titel",
            "kb/preventie-en-repressie.yaml:37: pages[1].questions",
        ],
        "unknown page 'inleidng'",
    ),
}


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work in ``tmp_path`` so that problems name files as ``kb/...``."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("case", BROKEN)
def test_a_broken_knowledge_base_names_file_line_and_field(in_tmp: Path, case: str) -> None:
    edits, heads, phrase = BROKEN[case]
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(make_kb(in_tmp, *edits))
    assert [head(problem) for problem in caught.value.problems] == heads
    assert phrase in caught.value.problems[0].message
    assert str(caught.value).splitlines() == [str(problem) for problem in caught.value.problems]


@pytest.mark.parametrize("case", BROKEN)
def test_validate_prints_every_problem_and_fails(
    in_tmp: Path, case: str, capsys: pytest.CaptureFixture[str]
) -> None:
    edits, heads, _ = BROKEN[case]
    assert main(["validate", make_kb(in_tmp, *edits)]) == 1
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert out == ""
    assert [line.split(": ")[0] for line in lines[:-1]] == [h.split(": ")[0] for h in heads]
    assert lines[-1] == f"{len(heads)} error{'s' if len(heads) > 1 else ''}"


def test_the_valid_base_loads_in_menu_order() -> None:
    kb = load_knowledge(BASE)
    assert [page.id for page in kb.pages] == [
        "inleiding",
        "preventie",
        "netwerken",
        "ketenpartners",
    ]
    assert [theme.id for theme in kb.themes] == ["preventie-en-repressie", "signalering"]
    assert kb.page("netwerken").theme == "preventie-en-repressie"
    assert kb.abbreviations == {"IVP": "Integraal Veiligheidsplan"}
    assert kb.message("button-back", theme="Signalering") == "Tekst voor button-back Signalering"


def test_a_loaded_knowledge_base_cannot_be_changed() -> None:
    kb = load_knowledge(BASE)
    page = kb.page("preventie")
    with pytest.raises(ValidationError):
        page.title = "Iets anders"
    with pytest.raises(AttributeError):
        kb.home = None
    with pytest.raises(TypeError):
        kb.messages["menu"] = "Iets anders"  # type: ignore[index]
    with pytest.raises(AttributeError):
        page.questions.append("Nog een vraag?")  # type: ignore[attr-defined]
    assert kb.page("preventie").title == "Preventie"


def with_eight_questions(folder: Path) -> None:
    """The base's pages have the loader's minimum of 5 example questions; ``polbot
    validate`` also applies the content rule of 8 (polbot.knowledge.rules): add 3 each."""
    extra = iter(range(1000))
    for path in folder.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        while "    questions:\n      -" in text:
            more = "".join(f"      - Extra vraag nummer {next(extra)}?\n" for _ in range(3))
            text = text.replace("    questions:\n      -", f"    questions :\n{more}      -", 1)
        path.write_text(text.replace("    questions :\n", "    questions:\n"), encoding="utf-8")


def test_validate_prints_a_one_line_summary(in_tmp: Path, capsys) -> None:
    with_eight_questions(in_tmp / make_kb(in_tmp))
    assert main(["validate", "kb"]) == 0
    assert capsys.readouterr().out == (
        "kb: 4 pages, 2 themes, 32 example questions, 2 synonym groups, 1 smalltalk intent: OK\n"
    )


def test_validate_applies_the_content_rules_to_a_base_that_loads(in_tmp: Path, capsys) -> None:
    assert main(["validate", make_kb(in_tmp)]) == 1
    err = capsys.readouterr().err
    assert err.count("has 5 example questions; a page needs 8 to 10") == 4
    assert err.endswith("4 errors\n")


def test_validate_defaults_to_the_configured_folder(in_tmp: Path, monkeypatch, capsys) -> None:
    folder = in_tmp / make_kb(in_tmp)
    with_eight_questions(folder)
    monkeypatch.setenv("POLBOT_KNOWLEDGE_DIR", str(folder))
    assert main(["validate"]) == 0
    assert capsys.readouterr().out.startswith(f"{folder}: 4 pages, 2 themes")


def test_an_empty_folder_is_an_error(in_tmp: Path, capsys) -> None:
    (in_tmp / "empty").mkdir()
    assert main(["validate", "empty"]) == 1
    assert capsys.readouterr().err == "empty: no *.yaml files in this folder\n1 error\n"


def test_a_missing_folder_exits_2(in_tmp: Path, capsys) -> None:
    assert main(["validate", "nowhere"]) == 2
    assert capsys.readouterr().err == "polbot validate: nowhere: no such folder\n"


def test_a_file_that_is_not_utf8_names_its_line(in_tmp: Path) -> None:
    kb = make_kb(in_tmp)
    (in_tmp / kb / "messages.yaml").write_bytes(b"messages:\n  menu: Kies \xe9\xe9n onderwerp.\n")
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(kb)
    assert [str(p) for p in caught.value.problems] == [
        "kb/messages.yaml:2: the file is not UTF-8 text; save it as UTF-8"
    ]


YAML_BITS = [*"ab:-[]{}&*!|>'\"#%@`,?~<=\\ \t\x00", ": ", "- ", "id", "pages", "theme", "home"]
YAML_BITS += ["!!set", "<<", "&a", "*a", "!!binary", "2024-13-40", "\ufeff", "\xe9", "yes", "3"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    line=st.integers(min_value=0, max_value=40),
    text=st.lists(st.sampled_from(YAML_BITS), max_size=30).map("".join),
)
def test_any_garbled_line_gives_problems_not_a_crash(line: int, text: str) -> None:
    """Whatever an editor types on a line, the answer is a KnowledgeError with places."""
    with tempfile.TemporaryDirectory() as tmp:
        kb = Path(tmp, make_kb(Path(tmp)))
        path = kb / PREVENTIE
        lines = path.read_text(encoding="utf-8").splitlines()
        indent = lines[line][: len(lines[line]) - len(lines[line].lstrip())]
        lines[line] = indent + text
        path.write_text("\n".join(lines), encoding="utf-8")
        try:
            load_knowledge(kb)
        except KnowledgeError as exc:
            assert exc.problems
            assert all(problem.line and problem.file.endswith(".yaml") for problem in exc.problems)


def test_an_unreadable_file_is_named(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The suite runs as root, who reads any file: so the refusal is simulated.
    real_read = Path.read_bytes

    def read_bytes(path: Path) -> bytes:
        if path.name == "language.yaml":
            raise PermissionError(13, "Permission denied")
        return real_read(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(make_kb(in_tmp))
    assert [str(p) for p in caught.value.problems] == [
        "kb/language.yaml: cannot read the file: Permission denied"
    ]


def test_the_console_script_validates(in_tmp: Path) -> None:
    """The installed ``polbot`` command, as a content editor runs it."""
    polbot = Path(sys.executable).with_name("polbot")
    edits, heads, _ = BROKEN["too few example questions"]
    run = subprocess.run(
        [polbot, "validate", make_kb(in_tmp, *edits)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 1
    assert run.stderr.startswith(heads[0] + ": needs at least 5 items, has 4\n")


@pytest.mark.parametrize(
    "command",
    [["validate", "kb"], ["ask", "--kb", "kb", "Wat is polarisatie?"], ["chat", "--kb", "kb"]],
)
def test_a_knowledge_base_without_a_messages_file_is_refused_in_one_line(
    in_tmp: Path, command: list[str]
) -> None:
    """Loading succeeded without texts the conversation needs; the first answer then crashed."""
    shutil.copytree(REAL, in_tmp / "kb", ignore=shutil.ignore_patterns("source"))
    (in_tmp / "kb" / "messages-telegram.yaml").unlink()
    run = subprocess.run(
        [Path(sys.executable).with_name("polbot"), *command],
        input="Wat is polarisatie?\n/stop\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode != 0
    assert "kb: messages.telegram-command-start: missing: polbot needs this text" in run.stderr
    assert "Traceback" not in run.stderr


def test_yaml_aliases_that_expand_exponentially_are_refused_quickly(in_tmp: Path) -> None:
    """ "Billion laughs": nine aliases of nine aliases ... made validate, serve and chat hang."""
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
    kb = make_kb(in_tmp, ("bomb.yaml", "", "\n".join(lines) + "\n"))
    started = time.perf_counter()
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(kb)
    assert time.perf_counter() - started < 5
    [problem] = caught.value.problems
    assert problem.file == "kb/bomb.yaml"
    assert problem.message.startswith("YAML aliases (*name) here repeat more values")


def test_a_yaml_alias_that_reuses_a_value_still_loads(in_tmp: Path) -> None:
    kb = make_kb(
        in_tmp, ("messages.yaml", "  menu: Kies een onderwerp.", "  menu: &k Kies.\n  x: *k")
    )
    assert load_knowledge(kb).messages["x"] == "Kies."
