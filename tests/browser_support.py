"""What the browser tests share: the headless Chromium they drive, its flags, screenshots.

They drive Debian's ``chromium-headless-shell``: the build Playwright itself runs for
headless tests (Chromium's "old" headless mode, without the desktop browser around the
page). The engine is the same Blink as ``chromium``'s; it starts and renders faster (the 23
browser tests: 14-18 s instead of 24 s on a 2-core machine). ``make test`` installs it; a
module that imports this one is skipped, with the reason, where it is missing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from polbot.paths import PROJECT_ROOT

CHROMIUM = shutil.which("chromium-headless-shell") or "/usr/bin/chromium-headless-shell"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"

if not Path(CHROMIUM).exists():
    pytest.skip(
        f"no Chromium at {CHROMIUM}: run `make test` as root to install Debian's"
        " chromium-headless-shell",
        allow_module_level=True,
    )


def screenshot(page, name: str) -> None:
    """A full-page screenshot in ``test-artifacts/<name>.png``, for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 1000
