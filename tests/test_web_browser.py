"""The web chat in a real browser: Debian's chromium driven by Playwright, against
``polbot serve`` on loopback. Screenshots land in ``test-artifacts/``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from polbot.paths import PROJECT_ROOT
from server_support import polbot_serve, real_parts

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
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
HELPDESK = "mailto:VeiligheidsAlliantie@rotterdam.nl"
OUT_OF_HANDBOOK = "Hoe laat vertrekt de laatste trein naar Parijs?"

if not Path(CHROMIUM).exists():
    pytest.skip(
        f"no chromium at {CHROMIUM}: run `make test` as root to install Debian's chromium",
        allow_module_level=True,
    )

from playwright import sync_api  # noqa: E402  (a dev dependency: missing is a failure)


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with polbot_serve(tmp_path_factory.mktemp("serve")) as server:
        yield server.url
        server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def problems() -> list[str]:
    """Console errors and uncaught exceptions of the page (CSP violations show up here)."""
    return []


def open_chat(browser, base_url: str, problems: list[str], width: int, height: int):
    page = browser.new_page(viewport={"width": width, "height": height})
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(base_url + "/")
    return page


def last_reply(page):
    return page.locator("#conversation > li.from-assistant").last


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 1000


@pytest.mark.parametrize(("width", "height"), [(375, 700), (1280, 800)])
def test_click_through_the_handbook_and_ask_questions(
    browser, base_url: str, problems: list[str], width: int, height: int
) -> None:
    kb, _ = real_parts()
    theme = kb.themes[1]
    first_page = kb.page(theme.pages[0])
    answered = kb.page(kb.themes[2].pages[0])
    expect = sync_api.expect
    page = open_chat(browser, base_url, problems, width, height)

    # The page opens with the home menu.
    for entry in kb.home.menu:
        expect(last_reply(page).get_by_role("button", name=entry.label)).to_be_visible()

    last_reply(page).get_by_role("button", name=theme.label, exact=True).click()
    expect(last_reply(page)).to_contain_text(theme.intro)
    last_reply(page).get_by_role("button", name=first_page.title, exact=True).click()
    expect(last_reply(page)).to_have_attribute("data-kind", "page")
    expect(last_reply(page)).to_contain_text(first_page.title)

    last_reply(page).get_by_role("button", name=f"Terug naar {theme.label}").click()
    expect(last_reply(page)).to_contain_text(theme.intro)

    page.get_by_label(kb.message("web-question-label")).fill(answered.questions[0])
    page.get_by_role("button", name=kb.message("web-send")).click()
    expect(page.locator("li.from-user").last).to_have_text(
        f"{kb.message('web-you')}{answered.questions[0]}"
    )
    expect(last_reply(page)).to_have_attribute("data-kind", "answer")
    expect(last_reply(page)).to_contain_text(answered.title)

    page.get_by_label(kb.message("web-question-label")).fill(OUT_OF_HANDBOOK)
    page.keyboard.press("Enter")
    expect(last_reply(page)).to_have_attribute("data-kind", "fallback")
    expect(last_reply(page).locator(f'a[href="{HELPDESK}"]')).to_be_visible()

    # Fits the screen: nothing wider than the viewport, so no sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"web-chat-{width}x{height}")
    assert problems == []
    page.close()


def test_keyboard_only(browser, base_url: str, problems: list[str]) -> None:
    kb, _ = real_parts()
    theme = kb.themes[0]
    expect = sync_api.expect
    page = open_chat(browser, base_url, problems, 375, 700)
    expect(last_reply(page).get_by_role("button", name=theme.label, exact=True)).to_be_visible()

    # The first Tab reaches the skip link, which leads to the question field.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "question"

    # Back through the menu's buttons until the theme has focus, then press it with Enter.
    focus_on(page, theme.label, key="Shift+Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "focus is visible"
    page.keyboard.press("Enter")
    expect(last_reply(page)).to_contain_text(theme.intro)

    # Focus moved to the new reply: the next Tab is its first button.
    page.keyboard.press("Tab")
    first_page = kb.page(theme.pages[0])
    assert page.evaluate("document.activeElement.textContent") == first_page.title
    page.keyboard.press("Enter")
    expect(last_reply(page)).to_have_attribute("data-kind", "page")

    # On to the question field, type, Enter sends.
    focus_on(page, "", key="Tab", element_id="question")
    page.keyboard.type(OUT_OF_HANDBOOK)
    page.keyboard.press("Enter")
    expect(last_reply(page)).to_have_attribute("data-kind", "fallback")
    screenshot(page, "web-chat-keyboard")
    assert problems == []
    page.close()


def focus_on(page, text: str, key: str, element_id: str = "") -> None:
    """Press ``key`` until the focused element has ``text`` (or the id ``element_id``)."""
    for _ in range(40):
        page.keyboard.press(key)
        active = page.evaluate("[document.activeElement.textContent, document.activeElement.id]")
        if (element_id and active[1] == element_id) or (not element_id and active[0] == text):
            return
    pytest.fail(f"{key} never reached {text or element_id!r}")
