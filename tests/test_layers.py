"""The layers are a contract that fails the build: ``make lint`` (and so ``make test``)
runs ``lint-imports`` and mypy, and an import against the layers makes ``lint-imports``
fail.

The break is made in a copy of ``src`` with the project's ``pyproject.toml`` beside it, so
the checkout is never touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(project: Path) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "PYTHONPATH": str(project / "src")}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=project,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_make_lint_runs_the_layer_contract_and_the_type_checker() -> None:
    commands = subprocess.run(
        ["make", "-n", "lint"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "lint-imports" in commands
    assert "mypy" in commands


def test_an_import_from_a_lower_layer_into_a_higher_one_fails_lint_imports(
    tmp_path: Path,
) -> None:
    shutil.copytree(
        ROOT / "src" / "polbot",
        tmp_path / "src" / "polbot",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)

    kept = _lint_imports(tmp_path)
    assert kept.returncode == 0, kept.stdout + kept.stderr
    assert "0 broken" in kept.stdout

    engine = tmp_path / "src" / "polbot" / "search" / "engine.py"
    engine.write_text(
        engine.read_text("utf-8") + "\nimport polbot.server.app  # noqa: E402\n", "utf-8"
    )
    broken = _lint_imports(tmp_path)
    assert broken.returncode != 0
    assert "BROKEN" in broken.stdout
    assert "polbot.search.engine -> polbot.server.app" in broken.stdout
