"""The web chat in a real browser: Debian's headless Chromium driven by Playwright, against
``polbot serve`` on loopback (and once behind a prefix-stripping proxy). Screenshots land in
``test-artifacts/``; axe-core (the copy the ``axe-playwright-python`` package ships) checks
the page at phone and desktop widths in light and dark.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from browser_support import ARGS, CHROMIUM, screenshot
from dialogue_support import (
    COORDINATING_ROLE,
    HANDBOOK_MARK,
    PORTFOLIO_QUESTION,
    TABLE_LINES,
    TABLE_PAGE,
)
from polbot.dialogue.assistant import MAX_QUESTION_CHARS
from polbot.dialogue.events import ButtonPress
from prefix_proxy import prefix_proxy
from server_support import polbot_serve, real_parts

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HELPDESK = "mailto:VeiligheidsAlliantie@rotterdam.nl"
OUT_OF_HANDBOOK = "Hoe laat vertrekt de laatste trein naar Parijs?"

from axe_playwright_python.sync_playwright import Axe  # noqa: E402  (dev dependencies:
from playwright import sync_api  # noqa: E402  missing is a failure)


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


def open_chat(
    browser,
    base_url: str,
    problems: list[str],
    width: int = 390,
    height: int = 800,
    *,
    path: str = "/",
    scheme: str = "light",
):
    page = browser.new_page(viewport={"width": width, "height": height}, color_scheme=scheme)
    watch(page, problems)
    page.goto(base_url + path)
    return page


def watch(page, problems: list[str]) -> None:
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))


def last_reply(page):
    return page.locator("#conversation > li.from-assistant").last


@pytest.mark.parametrize(("width", "height"), [(390, 800), (1280, 800)])
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
    page = open_chat(browser, base_url, problems, 390, 800)
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


# --- helpers of the tests below ---------------------------------------------------------


def ask(page, question: str) -> None:
    kb, _ = real_parts()
    page.get_by_label(kb.message("web-question-label")).fill(question)
    page.get_by_role("button", name=kb.message("web-send")).click()


def question_box(page):
    return page.get_by_label(real_parts()[0].message("web-question-label"))


def luminance(css_color: str) -> float:
    """The relative luminance (WCAG) of an ``rgb(...)`` colour."""
    channels = [int(c) / 255 for c in re.findall(r"\d+", css_color)[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def style(locator, prop: str) -> str:
    return locator.evaluate(f"(el) => getComputedStyle(el).{prop}")


def text_style(locator, prop: str) -> str:
    """The computed ``prop`` of the element that holds the first text in ``locator``."""
    return locator.evaluate(
        "(el, prop) => getComputedStyle("
        "document.createTreeWalker(el, NodeFilter.SHOW_TEXT).nextNode().parentElement)[prop]",
        prop,
    )


def chat_requests(page) -> list[dict]:
    """The bodies the page posts to the chat API, as they are sent."""
    bodies: list[dict] = []
    page.on(
        "request",
        lambda r: bodies.append(json.loads(r.post_data)) if r.url.endswith("/api/chat") else None,
    )
    return bodies


def answered_with_related():
    """A question whose answer has "Lees verder", a way back, related pages and home."""
    kb, _ = real_parts()
    page = kb.page(kb.themes[1].pages[0])
    assert len(page.related) >= 3
    return page


def tools_part() -> tuple[object, object, int]:
    """A page with tools, its theme, and the part (1, 2, ...) that lists them."""
    kb, assistant = real_parts()
    for handbook_page in kb.pages:
        theme = kb.theme(handbook_page.theme)
        if not handbook_page.tools or theme is None:
            continue
        for part in range(1, 10):
            payload = f"p:{handbook_page.id}" + (f":{part}" if part > 1 else "")
            (reply,) = assistant.handle(ButtonPress(payload))
            if reply.kind == "page" and handbook_page.tools[0].name in str(reply.blocks):
                return handbook_page, theme, part
    pytest.fail("no page of the knowledge base lists tools")


# --- what issue 16 asks of the web chat ---------------------------------------------------


def test_an_answer_has_a_primary_button_quieter_related_pages_and_a_small_way_back(
    browser, base_url: str, problems: list[str]
) -> None:
    kb, _ = real_parts()
    answered = answered_with_related()
    theme = kb.theme(answered.theme)
    page = open_chat(browser, base_url, problems, 390, 800)
    ask(page, answered.questions[0])
    reply = last_reply(page)
    sync_api.expect(reply).to_have_attribute("data-kind", "answer")

    group = reply.get_by_role("group", name=kb.message("web-buttons-label"))
    buttons = group.get_by_role("button")
    primary = reply.get_by_role("button", name=kb.message("button-more"), exact=True)
    related = [
        reply.get_by_role("button", name=kb.page(i).title, exact=True) for i in answered.related
    ]
    home = reply.get_by_role("button", name=kb.message("button-home"), exact=True)
    back = reply.get_by_role("button", name=kb.message("button-back", theme=theme.label))

    # "Lees verder" comes first and stands out: filled, where the related pages are not.
    assert buttons.first.text_content() == kb.message("button-more")
    assert style(primary, "backgroundColor") != style(related[0], "backgroundColor")
    assert style(primary, "backgroundColor") == style(
        page.get_by_role("button", name=kb.message("web-send")), "backgroundColor"
    )
    # The related pages are smaller than the primary button, and not each a full-width bar.
    width = group.bounding_box()["width"]
    assert float(style(related[0], "fontSize")[:-2]) < float(style(primary, "fontSize")[:-2])
    assert any(b.bounding_box()["width"] < 0.9 * width for b in related)
    # Home and back share one small row at the end.
    home_box, back_box = home.bounding_box(), back.bounding_box()
    assert home_box["y"] == back_box["y"]
    assert home_box["width"] + back_box["width"] < width
    assert buttons.last.text_content() == kb.message("button-home")
    assert home_box["y"] > max(b.bounding_box()["y"] for b in related)
    # Still one tab stop per button (👍 and 👎 included), in the order they are shown.
    assert buttons.count() == 5 + len(answered.related)
    screenshot(page, "web-chat-hierarchy-390")
    assert problems == []
    page.close()


def test_tool_names_do_not_look_like_links(browser, base_url: str, problems: list[str]) -> None:
    kb, _ = real_parts()
    handbook_page, theme, part = tools_part()
    page = open_chat(browser, base_url, problems, 390, 800)
    last_reply(page).get_by_role("button", name=theme.label, exact=True).click()
    last_reply(page).get_by_role("button", name=handbook_page.title, exact=True).click()
    for _ in range(part - 1):
        last_reply(page).get_by_role("button", name=kb.message("button-more")).click()
    tool = last_reply(page).locator("li", has_text=handbook_page.tools[0].name).first
    sync_api.expect(tool).to_be_visible()
    prose = last_reply(page).locator("p").first
    assert tool.locator("a").count() == 0
    assert int(text_style(tool, "fontWeight")) < 600
    assert text_style(tool, "color") == text_style(prose, "color")
    assert "underline" not in text_style(tool, "textDecorationLine")
    assert text_style(tool, "cursor") != "pointer"
    screenshot(page, "web-chat-tools-390")
    assert problems == []
    page.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(("width", "height"), [(390, 800), (1280, 800)])
def test_axe_finds_nothing_in_light_and_dark(
    browser, base_url: str, problems: list[str], width: int, height: int, scheme: str
) -> None:
    kb, _ = real_parts()
    answered = answered_with_related()
    page = open_chat(browser, base_url, problems, width, height, scheme=scheme)
    ask(page, answered.questions[0])
    sync_api.expect(last_reply(page)).to_have_attribute("data-kind", "answer")
    # A failed request (with its retry) and the counter near the limit are on screen too.
    page.route("**/api/chat", lambda route: route.abort())
    ask(page, OUT_OF_HANDBOOK)
    retry = last_reply(page).get_by_role("button", name=kb.message("web-retry"))
    sync_api.expect(retry).to_be_visible()
    page.unroute("**/api/chat")
    question_box(page).fill("x" * (MAX_QUESTION_CHARS - 20))
    sync_api.expect(page.locator("#counter")).to_be_visible()

    problems.clear()  # the aborted request is a console error, as it should be
    background = luminance(style(page.locator("html"), "backgroundColor"))
    text = luminance(style(page.locator("html"), "color"))
    if scheme == "dark":
        assert background < 0.05 < 0.5 < text
    else:
        assert text < 0.05 < 0.5 < background
    results = Axe().run(page)
    screenshot(page, f"web-chat-{scheme}-{width}x{height}")
    assert results.violations_count == 0, results.generate_snapshot()
    assert problems == []
    page.close()


def test_a_reload_shows_the_conversation_again(browser, base_url: str, problems: list[str]) -> None:
    kb, _ = real_parts()
    answered = answered_with_related()
    page = open_chat(browser, base_url, problems)
    last_reply(page).get_by_role("button", name=kb.themes[0].label, exact=True).click()
    sync_api.expect(last_reply(page)).to_have_attribute("data-kind", "theme")
    ask(page, answered.questions[0])
    sync_api.expect(last_reply(page)).to_have_attribute("data-kind", "answer")
    before = page.locator("#conversation > li").all_inner_texts()

    sent = chat_requests(page)
    page.reload()
    sync_api.expect(page.locator("#conversation > li")).to_have_count(len(before))
    assert page.locator("#conversation > li").all_inner_texts() == before
    assert sent == [], "a reload asks the server nothing"
    # The old buttons still work.
    last_reply(page).get_by_role("button", name=kb.message("button-more")).click()
    sync_api.expect(last_reply(page)).to_have_attribute("data-kind", "page")
    assert page.locator("#conversation > li").count() == len(before) + 2  # press + reply

    # Another tab starts afresh.
    other = open_chat(browser, base_url, problems)
    sync_api.expect(last_reply(other)).to_have_attribute("data-kind", "menu")
    assert other.locator("#conversation > li").count() == 1
    assert problems == []
    other.close()
    page.close()


def test_a_link_opens_a_page_or_asks_a_question(
    browser, base_url: str, problems: list[str]
) -> None:
    kb, _ = real_parts()
    answered = answered_with_related()
    page = open_chat(browser, base_url, problems, path=f"/?p={answered.id}")
    sync_api.expect(last_reply(page)).to_have_attribute("data-kind", "page")
    sync_api.expect(last_reply(page)).to_contain_text(answered.title)
    assert page.locator("#conversation > li").count() == 1
    # The address loses its query: a reload shows the conversation, it does not redo it.
    assert page.evaluate("location.search") == ""
    page.reload()
    sync_api.expect(page.locator("#conversation > li")).to_have_count(1)
    page.close()

    page = open_chat(browser, base_url, problems, path="/?q=" + answered.questions[0])
    sync_api.expect(last_reply(page)).to_have_attribute("data-kind", "answer")
    sync_api.expect(page.locator("li.from-user")).to_have_text(
        kb.message("web-you") + answered.questions[0]
    )
    page.close()


@pytest.mark.parametrize(
    "query", ["p=bestaat-niet", "p=", "p=%3Cscript%3Ealert(1)%3C/script%3E", "p=" + "a" * 300]
)
def test_a_link_to_no_page_gets_the_polite_answer_of_a_forged_button(
    browser, base_url: str, problems: list[str], query: str
) -> None:
    kb, _ = real_parts()
    page = open_chat(browser, base_url, problems, path="/?" + query)
    sync_api.expect(last_reply(page)).to_have_attribute("data-kind", "invalid")
    sync_api.expect(last_reply(page)).to_contain_text(kb.message("invalid-payload"))
    for entry in kb.home.menu:
        sync_api.expect(last_reply(page).get_by_role("button", name=entry.label)).to_be_visible()
    assert page.locator("script:not([src])").count() == 0
    assert problems == []
    page.close()


def test_after_a_network_error_the_question_stays_and_can_be_sent_again(
    browser, base_url: str, problems: list[str]
) -> None:
    kb, _ = real_parts()
    answered = answered_with_related()
    page = open_chat(browser, base_url, problems)
    sync_api.expect(last_reply(page)).to_have_attribute("data-kind", "menu")
    page.route("**/api/chat", lambda route: route.abort())
    ask(page, answered.questions[0])
    sync_api.expect(last_reply(page)).to_contain_text(kb.message("web-error-network"))
    sync_api.expect(question_box(page)).to_have_value(answered.questions[0])
    problems.clear()  # the aborted request is a console error, as it should be

    page.unroute("**/api/chat")
    last_reply(page).get_by_role("button", name=kb.message("web-retry")).click()
    sync_api.expect(last_reply(page)).to_have_attribute("data-kind", "answer")
    # One question on screen, no error left, the box empty again.
    sync_api.expect(page.locator("li.from-user")).to_have_count(1)
    sync_api.expect(page.locator("li.error")).to_have_count(0)
    sync_api.expect(question_box(page)).to_have_value("")
    assert problems == []
    page.close()


def test_a_counter_tells_the_limit_before_sending(
    browser, base_url: str, problems: list[str]
) -> None:
    kb, _ = real_parts()
    page = open_chat(browser, base_url, problems)
    sync_api.expect(last_reply(page)).to_have_attribute("data-kind", "menu")
    counter = page.locator("#counter")
    box = question_box(page)
    box.fill("x" * (MAX_QUESTION_CHARS // 2))
    sync_api.expect(counter).to_be_hidden()
    box.fill("x" * (MAX_QUESTION_CHARS - 50))
    sync_api.expect(counter).to_have_text(kb.message("web-counter-left", left="50"))
    assert box.get_attribute("aria-describedby") == "counter"
    box.fill("x" * (MAX_QUESTION_CHARS + 5))
    sync_api.expect(counter).to_have_text(kb.message("web-counter-over", over="5"))

    # Too long: nothing is sent and nothing is lost.
    sent = chat_requests(page)
    page.get_by_role("button", name=kb.message("web-send")).click()
    page.wait_for_timeout(300)
    assert sent == []
    sync_api.expect(box).to_have_value("x" * (MAX_QUESTION_CHARS + 5))
    assert page.locator("li.from-user").count() == 0
    box.fill("x" * MAX_QUESTION_CHARS)
    sync_api.expect(counter).to_have_text(kb.message("web-counter-left", left="0"))
    assert problems == []
    page.close()


# --- what issue 15 asks of it: a path prefix ----------------------------------------------


def test_the_chat_works_behind_a_path_prefix(browser, base_url: str, problems: list[str]) -> None:
    kb, _ = real_parts()
    theme = kb.themes[0]
    answered = answered_with_related()
    with prefix_proxy(base_url, "/polbot") as proxy:
        page = browser.new_page(viewport={"width": 390, "height": 800})
        watch(page, problems)
        asked: list[str] = []
        page.on("request", lambda request: asked.append(request.url))
        page.goto(proxy.url + "/polbot")  # redirected to /polbot/
        assert page.url == proxy.url + "/polbot/"
        last_reply(page).get_by_role("button", name=theme.label, exact=True).click()
        sync_api.expect(last_reply(page)).to_contain_text(theme.intro)
        ask(page, answered.questions[0])
        sync_api.expect(last_reply(page)).to_have_attribute("data-kind", "answer")
        # The stylesheet came through the prefix too.
        assert luminance(style(page.locator(".site-header"), "backgroundColor")) < 0.2
        page.close()
        page = open_chat(browser, proxy.url, problems, path=f"/polbot/?p={answered.id}")
        sync_api.expect(last_reply(page)).to_have_attribute("data-kind", "page")
        assert page.evaluate("location.pathname") == "/polbot/"
        page.close()
    assert proxy.strays == []
    assert asked[0] == proxy.url + "/polbot"
    assert all(url.startswith(proxy.url + "/polbot/") for url in asked[1:]), asked
    assert {"/", "/static/app.js", "/static/app.css", "/api/chat"} <= set(proxy.forwarded)
    assert problems == []


@pytest.mark.parametrize(("width", "scheme"), [(390, "light"), (1280, "dark")])
def test_an_answer_shows_its_passage_and_a_table_is_a_table(
    browser, base_url: str, problems: list[str], width: int, scheme: str
) -> None:
    page = open_chat(browser, base_url, problems, width, scheme=scheme)
    ask(page, PORTFOLIO_QUESTION)
    sync_api.expect(last_reply(page)).to_have_attribute("data-kind", "answer")
    sync_api.expect(last_reply(page)).to_contain_text(HANDBOOK_MARK)
    sync_api.expect(last_reply(page)).to_contain_text(COORDINATING_ROLE)
    page.close()

    page = open_chat(browser, base_url, problems, width, scheme=scheme, path=f"/?p={TABLE_PAGE}")
    table = last_reply(page).locator("table")
    sync_api.expect(table).to_have_count(1)
    header, *rows = TABLE_LINES
    headers = table.locator("thead th[scope=col]")
    assert headers.all_inner_texts() == header.split(" | ")
    cells = [row.locator("td").all_inner_texts() for row in table.locator("tbody tr").all()]
    assert [" | ".join(row) for row in cells] == rows
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # fits the screen
    results = Axe().run(page)
    screenshot(page, f"web-chat-table-{scheme}-{width}")
    assert results.violations_count == 0, results.generate_snapshot()
    assert problems == []
    page.close()
