"""The server over real HTTP on loopback: probes, metrics, the chat API, security headers."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

import polbot
from dialogue_support import (
    ALTERNATIVES_LEAD,
    COORDINATING_ROLE,
    HANDBOOK_MARK,
    PORTFOLIO_QUESTION,
    STRAIGHT_AWAY,
    TABLE_LINES,
    TABLE_PAGE,
)
from polbot.dialogue import Event, Reply
from polbot.runtime.metrics import Metrics
from polbot.server.app import METRICS_LISTENER, SECURITY_HEADERS, build_app
from server_support import real_parts, settings


@pytest.fixture
async def server() -> AsyncIterator[TestServer]:
    kb, assistant = real_parts()
    async with TestServer(build_app(settings(), kb, assistant), host="127.0.0.1") as running:
        yield running


@pytest.fixture
async def http(server: TestServer) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(base_url=server.make_url("/"), trust_env=False) as session:
        yield session


async def chat(http: aiohttp.ClientSession, body: object) -> tuple[int, dict]:
    async with http.post("/api/chat", json=body) as response:
        return response.status, await response.json()


async def metric(http: aiohttp.ClientSession, name: str, **labels: str) -> float:
    async with http.get("/metrics") as response:
        text = await response.text()
    selector = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    match = re.search(rf"^{name}{{{selector}}} (\S+)$", text, flags=re.MULTILINE)
    return float(match[1]) if match else 0.0


async def test_healthz_answers_ok(http: aiohttp.ClientSession) -> None:
    async with http.get("/healthz") as response:
        assert response.status == 200
        assert await response.json() == {"status": "ok"}


async def test_readyz_is_ready_while_serving_and_not_once_shutdown_begins(
    server: TestServer, http: aiohttp.ClientSession
) -> None:
    async with http.get("/readyz") as response:
        assert response.status == 200
    await server.app.shutdown()
    async with http.get("/readyz") as response:
        assert response.status == 503
        assert await response.json() == {"status": "not ready"}


async def test_metrics_count_a_question_just_asked(http: aiohttp.ClientSession) -> None:
    kb, _ = real_parts()
    before = await metric(http, "polbot_questions_total", channel="web", kind="answer")
    question = kb.pages[3].questions[0]  # a page's own example question is answered
    status, body = await chat(http, {"text": question})
    assert status == 200
    assert body["replies"][0]["kind"] == "answer"
    assert await metric(http, "polbot_questions_total", channel="web", kind="answer") == before + 1
    assert await metric(http, "polbot_handle_seconds_count", channel="web") >= 1


async def test_metrics_have_no_created_series(
    http: aiohttp.ClientSession,
) -> None:
    await chat(http, {"text": "Wie moet ik trainen?"})
    await chat(http, {"payload": "home"})
    async with http.get("/metrics") as response:
        text = await response.text()
    samples = [line.split("{")[0].split()[0] for line in text.splitlines() if line[:1] != "#"]
    assert "polbot_questions_total" in samples and "polbot_handle_seconds_count" in samples
    assert [name for name in samples if name.endswith("_created")] == []


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        (lambda kb: kb.smalltalk[0].examples[0], "smalltalk"),
        (lambda kb: "Hoe laat vertrekt de laatste trein naar Parijs?", "fallback"),
    ],
)
async def test_metrics_count_questions_by_kind(
    http: aiohttp.ClientSession, question, kind: str
) -> None:
    kb, _ = real_parts()
    status, body = await chat(http, {"text": question(kb)})
    assert status == 200
    assert body["replies"][0]["kind"] == kind
    assert await metric(http, "polbot_questions_total", channel="web", kind=kind) == 1


async def test_metrics_count_button_presses(http: aiohttp.ClientSession) -> None:
    await chat(http, {"payload": "home"})
    await chat(http, {"payload": "home"})
    assert await metric(http, "polbot_button_presses_total", channel="web") == 2


async def test_start_command_shows_the_home_menu(http: aiohttp.ClientSession) -> None:
    kb, _ = real_parts()
    status, body = await chat(http, {"command": "start"})
    assert status == 200
    (reply,) = body["replies"]
    assert [b["label"] for b in reply["buttons"]] == [entry.label for entry in kb.home.menu]
    assert reply["text"]
    assert reply["blocks"][0]["type"] == "paragraph"
    assert set(reply) >= {"text", "buttons", "kind", "page_id", "blocks"}


async def test_buttons_lead_from_a_theme_to_a_page_and_back(http: aiohttp.ClientSession) -> None:
    kb, _ = real_parts()
    theme = kb.themes[0]
    _, body = await chat(http, {"payload": f"t:{theme.id}"})
    page_button = next(b for r in body["replies"] for b in r["buttons"] if b["payload"] != "home")
    _, body = await chat(http, {"payload": page_button["payload"]})
    assert body["replies"][0]["page_id"] == theme.pages[0]
    back = next(b for r in body["replies"] for b in r["buttons"] if theme.label in b["label"])
    _, body = await chat(http, {"payload": back["payload"]})
    assert theme.label in body["replies"][0]["text"]


async def test_fallback_names_the_helpdesk_as_a_mailto_link(http: aiohttp.ClientSession) -> None:
    _, body = await chat(http, {"text": "Hoe laat vertrekt de laatste trein naar Parijs?"})
    reply = body["replies"][0]
    assert reply["kind"] == "fallback"
    links = [
        span["link"] for block in reply["blocks"] for span in block.get("spans", []) if span["link"]
    ]
    assert "mailto:VeiligheidsAlliantie@rotterdam.nl" in links


@pytest.mark.parametrize(
    "payload", ["p:bestaat-niet", "t:", "x" * 500, "<script>alert(1)</script>", "🙂"]
)
async def test_unknown_payload_gets_a_polite_reply_with_the_home_menu(
    http: aiohttp.ClientSession, payload: str
) -> None:
    kb, _ = real_parts()
    status, body = await chat(http, {"payload": payload})
    assert status == 200
    buttons = [b["label"] for r in body["replies"] for b in r["buttons"]]
    assert kb.home.menu[0].label in buttons


@pytest.mark.parametrize("payload", ["p:bestaat-niet", "x" * 500])
async def test_an_unknown_payload_is_logged_with_its_channel(
    http: aiohttp.ClientSession, payload: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="polbot"):
        status, _ = await chat(http, {"payload": payload})
    assert status == 200
    [warning] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert warning.getMessage().startswith("button payload")
    assert getattr(warning, "channel", None) == "web"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"{not json", "invalid json"),
        (b"\xff\xfe", "invalid json"),
        (b"", "invalid json"),
        (b"[" * 30_000 + b"]" * 30_000, "invalid json"),  # deeper than json.loads recurses
        (b"[]", "body is not an object"),
        (b'"text"', "body is not an object"),
        (b"null", "body is not an object"),
        (b"{}", "need exactly one of text, payload, command"),
        (b'{"text": "a", "payload": "home"}', "need exactly one of text, payload, command"),
        (b'{"text": "a", "user": "x"}', "need exactly one of text, payload, command"),
        (b'{"question": "a"}', "need exactly one of text, payload, command"),
        (b'{"text": 42}', "text is not a string"),
        (b'{"payload": null}', "payload is not a string"),
    ],
)
async def test_malformed_request_is_a_clean_400_and_one_warning(
    http: aiohttp.ClientSession, raw: bytes, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    kb, _ = real_parts()
    with caplog.at_level(logging.INFO, logger="polbot"):
        async with http.post("/api/chat", data=raw) as response:
            assert response.status == 400
            assert response.content_type == "application/json"
            body = await response.json()
    assert body == {"error": {"code": "invalid", "message": kb.message("web-error-invalid")}}
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [(r.getMessage(), r.reason, r.exc_info) for r in warnings] == [  # type: ignore[attr-defined]
        ("invalid input", reason, None)
    ]
    assert await metric(http, "polbot_invalid_input_total", channel="web") == 1


async def test_a_body_that_does_not_decompress_is_a_clean_400_and_one_warning(
    http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    """A client that says gzip and sends something else broke the request with a 500."""
    kb, _ = real_parts()
    with caplog.at_level(logging.INFO):
        headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
        async with http.post("/api/chat", data=b'{"text": "hoi"}', headers=headers) as response:
            assert response.status == 400
            body = await response.json()
    assert body == {"error": {"code": "invalid", "message": kb.message("web-error-invalid")}}
    # aiohttp's own record of the broken body: see test_server_process for the log as written.
    warnings = [
        r for r in caplog.records if r.levelno >= logging.WARNING and r.name == "polbot.server"
    ]
    assert [(r.getMessage(), r.reason, r.exc_info) for r in warnings] == [  # type: ignore[attr-defined]
        ("invalid input", "body does not decode", None)
    ]


async def test_a_one_megabyte_body_is_refused_with_413(http: aiohttp.ClientSession) -> None:
    kb, _ = real_parts()
    body = json.dumps({"text": "a" * 1024 * 1024}).encode()
    async with http.post("/api/chat", data=body) as response:
        assert response.status == 413
        assert await response.json() == {
            "error": {"code": "too-large", "message": kb.message("web-error-too-large")}
        }


@pytest.mark.parametrize("text", ["", "   ", "a" * 30_000, "🙂🙂🙂", "<b>vet</b> & 'quote'"])
async def test_odd_texts_get_a_reply_not_an_error(http: aiohttp.ClientSession, text: str) -> None:
    status, body = await chat(http, {"text": text})
    assert status == 200
    assert body["replies"] and all(reply["text"] for reply in body["replies"])


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),
        ("GET", "/healthz"),
        ("GET", "/readyz"),
        ("GET", "/metrics"),
        ("GET", "/static/app.js"),
        ("GET", "/static/app.css"),
        ("GET", "/no/such/page"),
        ("GET", "/api/chat"),
        ("POST", "/api/chat"),
    ],
)
async def test_every_response_carries_the_security_headers(
    http: aiohttp.ClientSession, method: str, path: str
) -> None:
    async with http.request(method, path, data=b"{}") as response:
        for name, value in SECURITY_HEADERS.items():
            assert response.headers.get(name) == value, name


async def test_page_has_its_texts_from_the_knowledge_base_and_no_inline_code(
    http: aiohttp.ClientSession,
) -> None:
    kb, _ = real_parts()
    async with http.get("/") as response:
        assert response.content_type == "text/html"
        page = await response.text()
    assert f"<title>{kb.message('web-title')}</title>" in page
    assert "{{" not in page
    assert re.findall(r"<script[^>]*>", page) == ['<script src="static/app.js" defer>']
    assert "<style" not in page
    assert not re.search(r"\s(style|on[a-z]+)=", page)
    assert not re.search(r"(src|href)=\"(https?:)?//", page), "everything from this server"
    assert not re.search(r"(src|href)=\"/", page), "relative, so that a path prefix works"


class _Broken:
    """An assistant that fails: the one thing the real one cannot be made to do."""

    def handle(self, event: Event, observer: object = None) -> tuple[Reply, ...]:
        raise RuntimeError("secret detail of Jan de Vries")


async def test_a_failing_assistant_gives_a_polite_reply_and_counts_an_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    kb, _ = real_parts()
    metrics = Metrics()
    app = build_app(settings(), kb, _Broken(), metrics=metrics)
    async with (
        TestServer(app, host="127.0.0.1") as server,
        aiohttp.ClientSession(base_url=server.make_url("/"), trust_env=False) as http,
    ):
        with caplog.at_level(logging.INFO, logger="polbot"):
            status, body = await chat(http, {"command": "start"})
        assert await metric(http, "polbot_errors_total", channel="web") == 1
    assert status == 200
    (reply,) = body["replies"]
    assert reply["kind"] == "error"
    assert reply["text"] == kb.message("server-error")
    assert reply["buttons"] == [{"label": kb.message("server-home-button"), "payload": "home"}]
    (line,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert line.error == "RuntimeError"  # type: ignore[attr-defined]
    assert "Jan de Vries" not in caplog.text


def test_the_web_channel_can_be_switched_off() -> None:
    kb, assistant = real_parts()
    app = build_app(settings(channels={"web": {"enabled": False}}), kb, assistant)
    paths = {resource.canonical for resource in app.router.resources()}
    assert "/api/chat" not in paths
    assert {"/healthz", "/readyz", "/metrics"} <= paths


@pytest.mark.parametrize(("question", "page_id", "title"), STRAIGHT_AWAY)
async def test_the_issue_questions_get_their_page_straight_away(
    http: aiohttp.ClientSession, question: str, page_id: str, title: str
) -> None:
    status, body = await chat(http, {"text": question})
    assert status == 200
    [reply] = body["replies"]
    assert (reply["kind"], reply["page_id"]) == ("answer", page_id)
    assert title in json.dumps(reply, ensure_ascii=False)
    assert ALTERNATIVES_LEAD not in json.dumps(reply, ensure_ascii=False)


async def test_metrics_name_the_version_and_the_process(http: aiohttp.ClientSession) -> None:
    assert await metric(http, "polbot_build_info", version=polbot.__version__) == 1.0
    async with http.get("/metrics") as response:
        text = await response.text()
    for name in ("process_resident_memory_bytes", "process_cpu_seconds_total", "process_open_fds"):
        found = re.search(rf"^{name} (\S+)$", text, flags=re.MULTILINE)
        assert found and float(found[1]) > 0, name


async def test_metrics_on_a_port_of_their_own_and_no_longer_on_the_public_one() -> None:
    kb, assistant = real_parts()
    app = build_app(settings(host="127.0.0.1", metrics={"port": 0}), kb, assistant)
    async with (
        TestServer(app, host="127.0.0.1") as public,
        aiohttp.ClientSession(trust_env=False) as http,
    ):
        internal = f"http://127.0.0.1:{app[METRICS_LISTENER].port}"
        async with http.post(public.make_url("/api/chat"), json={"text": "wat is polarisatie"}):
            pass
        async with http.get(public.make_url("/metrics")) as response:
            assert response.status == 404
        async with http.get(f"{internal}/metrics") as response:
            assert response.status == 200
            text = await response.text()
        async with http.get(f"{internal}/healthz") as response:
            assert response.status == 404  # nothing but /metrics there
    assert f'polbot_build_info{{version="{polbot.__version__}"}} 1.0' in text
    assert re.search(r'^polbot_questions_total\{channel="web",kind="\w+"\} 1\.0$', text, re.M)
    with pytest.raises(aiohttp.ClientConnectionError):  # stopped with the app
        async with aiohttp.ClientSession(trust_env=False) as http:
            await http.get(f"{internal}/metrics")


async def test_the_portfolio_question_shows_the_passage_that_answers_it(
    http: aiohttp.ClientSession,
) -> None:
    status, body = await chat(http, {"text": PORTFOLIO_QUESTION})
    assert status == 200
    [reply] = body["replies"]
    assert (reply["kind"], reply["page_id"]) == ("answer", "borging-portefeuille")
    assert HANDBOOK_MARK in reply["text"]
    assert COORDINATING_ROLE in reply["text"]
    assert "Lees verder" in [button["label"] for button in reply["buttons"]]


async def test_a_table_comes_as_a_table_of_rows_in_column_order(
    http: aiohttp.ClientSession,
) -> None:
    _, body = await chat(http, {"payload": f"p:{TABLE_PAGE}"})
    [reply] = body["replies"]
    [table] = [block for block in reply["blocks"] if block["type"] == "table"]
    cells = [[cell[0]["text"] for cell in row] for row in (table["header"], *table["rows"])]
    assert [" | ".join(row) for row in cells] == list(TABLE_LINES)
    assert "\n".join(TABLE_LINES) in reply["text"]
