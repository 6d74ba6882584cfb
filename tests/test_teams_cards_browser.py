"""The Teams cards as Teams draws them: every card of the whole menu walk rendered by
Microsoft's own Adaptive Cards renderer (the ``adaptivecards`` npm package, which ``make
test`` installs from tests/browser/package-lock.json) with Microsoft's Teams host config
(tests/data/teams-host-config-light.json, a copy of microsoft/AdaptiveCards'
samples/HostConfig/microsoft-teams-light.json, MIT licence) in Debian's headless Chromium, at a
phone's 300 px and a desktop's 600 px. No button label may be cut off or stick out of its
card. Screenshots land in ``test-artifacts/``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from browser_support import ARGS, ARTIFACTS, CHROMIUM
from dialogue_support import TABLE_LINES, TABLE_PAGE
from polbot.channels.teams.cards import render
from polbot.dialogue import payloads
from polbot.dialogue.events import ButtonPress, Command, Event, TextMessage
from polbot.dialogue.replies import Reply
from server_support import real_parts

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TESTS = Path(__file__).resolve().parent
RENDERER = TESTS / "browser" / "node_modules" / "adaptivecards" / "dist"
HOST_CONFIG = TESTS / "data" / "teams-host-config-light.json"
ALTERNATIVES_QUESTION = "wijk"
OUT_OF_HANDBOOK = "Hoe laat vertrekt de laatste trein naar Parijs?"

from playwright import sync_api  # noqa: E402  (a dev dependency: missing is a failure)


def walk() -> list[tuple[str, Reply]]:
    """The replies of the whole menu walk: home, every theme, every part of every page, an
    answer with alternatives, an answer and a fallback, help and about."""
    kb, assistant = real_parts()

    def one(event: Event) -> Reply:
        [reply] = assistant.handle(event)
        return reply

    replies = [("home", one(Command("start")))]
    replies += [(f"theme {t.id}", one(ButtonPress(payloads.theme(t.id)))) for t in kb.themes]
    for page in kb.pages:
        part = 1
        while True:
            reply = one(ButtonPress(payloads.page(page.id, part)))
            replies.append((f"page {page.id} part {part}", reply))
            more = [b for b in reply.buttons if b.payload == payloads.page(page.id, part + 1)]
            if not more:
                break
            part += 1
    alternatives = one(TextMessage(ALTERNATIVES_QUESTION))
    assert alternatives.kind == "alternatives"
    fallback = one(TextMessage(OUT_OF_HANDBOOK))
    assert fallback.kind == "fallback"
    answer = one(TextMessage(kb.pages[2].questions[0]))
    replies += [("alternatives", alternatives), ("fallback", fallback), ("answer", answer)]
    replies += [("help", one(Command("help"))), ("over", one(Command("over")))]
    return replies


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not (RENDERER / "adaptivecards.min.js").exists():
        pytest.fail("tests/browser/node_modules is missing: `make test` runs `npm ci` there")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


# Renders each card into its own box of the given width and reports every button: its
# label, whether the label or the button is cut off, and whether it lies inside its card.
_RENDER = """([cards, hostConfig, width]) => {
  const results = [];
  const root = document.getElementById("cards");
  for (const [name, content] of cards) {
    const box = document.createElement("section");
    box.style.width = width + "px";
    box.style.margin = "0 0 12px 0";
    box.style.border = "1px solid #ccc";
    box.dataset.name = name;
    root.appendChild(box);
    const card = new AdaptiveCards.AdaptiveCard();
    card.hostConfig = new AdaptiveCards.HostConfig(hostConfig);
    card.parse(content);
    const rendered = card.render();
    box.appendChild(rendered);
    const cardBox = rendered.getBoundingClientRect();
    const pressable = rendered.querySelectorAll("button.ac-pushButton, .ac-selectable");
    const buttons = [...pressable].map((button) => {
      const label = button.firstElementChild || button;
      const rect = button.getBoundingClientRect();
      let visible = true;
      for (let up = button.parentElement; up && up !== rendered; up = up.parentElement) {
        const clip = up.getBoundingClientRect();
        if (getComputedStyle(up).overflow !== "visible"
            && (rect.left < clip.left - 0.5 || rect.right > clip.right + 0.5)) visible = false;
      }
      return {
        label: button.textContent,
        labelClipped: label.scrollWidth > label.clientWidth,
        buttonClipped: button.scrollWidth > button.clientWidth,
        inside: rect.left >= cardBox.left - 0.5 && rect.right <= cardBox.right + 0.5
          && rect.width > 0 && visible,
      };
    });
    const cells = [...rendered.querySelectorAll(".ac-textBlock")].filter(
      (text) => text.closest("[role=table], .ac-table, table"));
    results.push({
      name,
      buttons,
      cells: cells.map((cell) => cell.textContent),
      cellsCut: cells.filter((cell) => cell.scrollWidth > cell.clientWidth + 0.5
        || cell.getBoundingClientRect().right > cardBox.right + 0.5).length,
    });
  }
  return results;
}"""


@pytest.mark.parametrize("width", [300, 600])
def test_no_button_of_the_menu_walk_is_clipped(browser, width: int) -> None:
    replies = walk()
    cards = [
        (f"{name} #{number}", attachment.content)
        for name, reply in replies
        for activity in render(reply)
        for number, attachment in enumerate(activity.attachments or (), start=1)
    ]
    page = browser.new_page(viewport={"width": width + 40, "height": 800})
    page.set_content('<!doctype html><html><body><div id="cards"></div></body></html>')
    page.add_style_tag(path=str(RENDERER / "adaptivecards.css"))
    page.add_script_tag(path=str(RENDERER / "adaptivecards.min.js"))
    host_config = json.loads(HOST_CONFIG.read_text(encoding="utf-8"))
    results = page.evaluate(_RENDER, [cards, host_config, width])

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"teams-cards-{width}.png"), full_page=True)
    top = {"x": 0, "y": 0, "width": width + 40, "height": 1400}
    page.screenshot(path=str(ARTIFACTS / f"teams-cards-{width}-top.png"), clip=top)
    page.close()

    shown = {}
    for result in results:
        reply_name = result["name"].rsplit(" #", 1)[0]
        shown.setdefault(reply_name, []).extend(b["label"] for b in result["buttons"])
    problems = [
        f"{result['name']}: {button['label']!r}"
        + (" label cut off" if button["labelClipped"] else "")
        + (" button cut off" if button["buttonClipped"] else "")
        + ("" if button["inside"] else " outside the card")
        for result in results
        for button in result["buttons"]
        if button["labelClipped"] or button["buttonClipped"] or not button["inside"]
    ]
    assert not problems, "\n".join(problems)
    # A table is drawn as a table, every cell in full.
    tables = {r["name"]: r for r in results if r["cells"]}
    table = tables[f"page {TABLE_PAGE} part 1 #1"]
    assert " | ".join(table["cells"]) == " | ".join(TABLE_LINES)
    assert [name for name, table in tables.items() if table["cellsCut"]] == []
    # Every button of every reply is drawn (none dropped by the host's maxActions).
    for name, reply in replies:
        assert shown.get(name, []) == [button.label for button in reply.buttons], name
