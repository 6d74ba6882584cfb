"""Content live without a restart: ``polbot serve`` as a real process over a copy of the
knowledge base, edited under it, reloaded on a file change and on SIGHUP."""

from __future__ import annotations

import json
import re
import signal
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from dialogue_support import tiny_kb
from polbot.dialogue import ButtonPress, TextMessage, plain
from polbot.runtime.assembly import Assembly
from server_support import (
    knowledge_copy,
    polbot_serve,
    post_json,
    real_parts,
    with_summary,
    without_a_title,
)

pytestmark = pytest.mark.slow

QUESTION = "Wat is polarisatie?"
OLD_SUMMARY_START = "Polarisatie"


def answer(url: str, question: str = QUESTION) -> str:
    status, body = post_json(url + "/api/chat", {"text": question})
    assert status == 200, body
    return body["replies"][0]["text"]


def metrics(url: str) -> str:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url + "/metrics", timeout=5) as response:
        return response.read().decode()


def readyz(url: str) -> int:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url + "/readyz", timeout=5) as response:
        return response.status


def log_lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def wait_for(condition, timeout: float) -> float:
    """Seconds until ``condition()`` held; fails after ``timeout``."""
    start = time.perf_counter()
    while not condition():
        assert time.perf_counter() - start < timeout, f"not within {timeout} s"
        time.sleep(0.05)
    return time.perf_counter() - start


def test_an_edit_is_live_within_two_seconds_and_a_broken_one_is_refused(tmp_path: Path) -> None:
    folder = knowledge_copy(tmp_path)
    with polbot_serve(tmp_path, POLBOT_KNOWLEDGE_DIR=str(folder)) as server:
        before = answer(server.url)
        assert "Vernieuwde samenvatting" not in before

        with_summary(folder, "definitie", "Vernieuwde samenvatting van de definitie.")
        took = wait_for(lambda: "Vernieuwde samenvatting" in answer(server.url), timeout=2.0)
        print(f"edit live after {took:.2f} s")
        assert 'polbot_knowledge_reload_total{result="ok"} 1.0' in metrics(server.url)

        # A broken edit: a page loses its title. Refused, the last good one keeps serving.
        page_file = without_a_title(folder)
        wait_for(lambda: 'result="invalid"} 1.0' in metrics(server.url), timeout=5.0)
        assert "Vernieuwde samenvatting" in answer(server.url)
        assert readyz(server.url) == 200
        assert server.stop() == 0
    lines = log_lines(server.output())
    (refused,) = [line for line in lines if line["event"] == "knowledge reload refused"]
    assert refused["level"] == "error"
    assert any(re.search(rf"{page_file}:\d+", problem) for problem in refused["problems"])
    assert any("titel" in problem for problem in refused["problems"])
    reloaded = [line for line in lines if line["event"] == "knowledge reloaded"]
    print("reload took", [line["duration_ms"] for line in reloaded], "ms")


def test_sighup_reloads_and_questions_asked_meanwhile_are_answered(tmp_path: Path) -> None:
    folder = knowledge_copy(tmp_path)
    env = {"POLBOT_KNOWLEDGE_DIR": str(folder), "POLBOT_KNOWLEDGE__WATCH": "false"}
    with polbot_serve(tmp_path, **env) as server:
        with_summary(folder, "definitie", "Samenvatting na het signaal.")
        time.sleep(1.0)
        assert "na het signaal" not in answer(server.url), "watch is off: no reload yet"

        answers: list[str] = []
        failures: list[BaseException] = []
        stop = threading.Event()

        def ask() -> None:
            while not stop.is_set():
                try:
                    answers.append(answer(server.url))
                except BaseException as exc:
                    failures.append(exc)

        asker = threading.Thread(target=ask)
        asker.start()
        time.sleep(0.3)
        server.process.send_signal(signal.SIGHUP)
        try:
            wait_for(lambda: any("na het signaal" in a for a in answers[-3:]), timeout=30.0)
        finally:
            stop.set()
            asker.join()
        assert failures == []
        old = [a for a in answers if "na het signaal" not in a]
        new = [a for a in answers if "na het signaal" in a]
        assert old and new
        # One knowledge base per answer: never a mixture, and no old one after the swap.
        assert answers == old + new
        assert server.stop() == 0
    events = [line["event"] for line in log_lines(server.output())]
    assert events.index("reloading") < events.index("knowledge reloaded")


def test_a_button_of_a_page_that_disappeared_gets_the_polite_reply() -> None:
    kb, _ = real_parts()
    parts = Assembly(kb)
    handler = parts.handler("web")
    (before,) = handler.handle(ButtonPress("p:capaciteit"))
    assert before.kind == "page"
    # A reload swaps in a knowledge base without that page (the tests' tiny one).
    small = Assembly(tiny_kb())
    parts.live.swap(small.kb, small.assistant)
    for payload in ("p:capaciteit", "fyd:capaciteit"):
        (after,) = handler.handle(ButtonPress(payload))
        assert (after.kind, plain(after)) == ("invalid", small.kb.message("invalid-payload"))
    (question,) = handler.handle(TextMessage("netwerk"))
    assert question.kind in ("answer", "alternatives", "fallback")
