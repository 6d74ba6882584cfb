"""The HTML review report in a real browser (Debian's headless Chromium, as in
test_web_browser): one self-contained file that asks for nothing else, readable, with the
weekly chart.
The screenshot lands in ``test-artifacts/review-report.png``."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from browser_support import ARGS, CHROMIUM, screenshot
from polbot.knowledge import KnowledgeBase
from polbot.review import ReviewSettings
from polbot.review.entry import ReviewEntry
from polbot.review.render import render_html
from polbot.review.report import build_report
from polbot.review.store import ReviewStore
from polbot.search import Engine
from review_support import record_session

pytestmark = [pytest.mark.browser, pytest.mark.slow]
pytest.importorskip("deduce", reason="the review extra is not installed")

from playwright import sync_api  # noqa: E402


def test_the_html_report_renders_as_one_self_contained_page(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    store = ReviewStore.open(
        ReviewSettings(enabled=True, database_url=f"sqlite:///{tmp_path / 'review.db'}")
    )
    record_session(store, Engine(kb))
    today = date.today()
    for weeks_ago, count in ((1, 3), (2, 6), (3, 1)):
        for _ in range(count):
            day = today - timedelta(weeks=weeks_ago)
            store.record(ReviewEntry("thumbs-down", "web", day, page_id=kb.pages[0].id))
            store.record(ReviewEntry("fallback", "web", day, "Waar is het stadhuis?"))
    store.record_feedback(kb.pages[1].id, True, "telegram")
    assert store.flush()
    report = build_report(store, today - timedelta(weeks=5), kb)
    store.close()
    path = tmp_path / "report.html"
    path.write_text(render_html(report, kb), encoding="utf-8")

    requests: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1000, "height": 800})
        page.on("request", lambda request: requests.append(request.url))
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(path.as_uri())
        expect = sync_api.expect
        expect(page.get_by_role("heading", level=1)).to_have_text(kb.message("review-title"))
        expect(
            page.get_by_role("img", name=kb.message("review-chart-label", since=""))
        ).to_be_visible()
        assert page.locator("svg rect").count() == 2 * len(report.weeks)
        assert page.locator("ol.groups > li").count() == len(report.groups)
        expect(page.locator("ol.groups > li").first).to_contain_text("Advies:")
        expect(page.get_by_role("table")).to_contain_text(kb.pages[0].title)
        # Fits a laptop screen without sideways scrolling.
        assert page.evaluate("document.documentElement.scrollWidth") <= 1000
        screenshot(page, "review-report")
        browser.close()
    assert requests == [path.as_uri()], "nothing but the file itself is loaded"
    assert errors == []
