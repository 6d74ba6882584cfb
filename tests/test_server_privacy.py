"""AVG: a session on every channel of one ``polbot serve`` leaves no personal data in its logs.

The server runs as a subprocess with the most verbose logging and the access log on; the
Telegram webhook talks to a fake Bot API and Teams (anonymous mode) to a fake connector,
both on loopback. Then the captured stdout and stderr are searched for every user id, chat
id, name, conversation id and message text the session used, and for the bot token.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from server_support import POLBOT, clean_environ, free_port, wait_ready
from teams_support import FakeConnector, activity, card_press
from telegram_fake import TOKEN, FakeBotApi

pytestmark = pytest.mark.slow

WEBHOOK_SECRET = "loopback-webhook-secret_42"
TELEGRAM_CHAT = 740_031_977
TELEGRAM_USER = 740_031_978
TEAMS_USER = "29:1f2e3d4c-aaaa-bbbb-cccc-9a8b7c6d5e4f"
TEAMS_AAD = "aad-5d1b0f0e-7777-4f4f-9999-0c0c0c0c0c0c"
TEAMS_CONVERSATION = "a:1QmVvZ2Vyc2NoYXBwZWxpamtlLWdlc3ByZWs"
NAMES = ("Zwanenburg-Oostveen", "Hendrika Xylofoonkwartet")
TEXTS = (
    "Mevrouw Zwanenburg-Oostveen wil weten hoe zij haar team moet trainen",
    "Wijkagent Qwertyzand meldt spanningen rond de moskee in Hoogvliet",
    "06-98765432 belt over een buurtconflict aan de Dorpsstraat",
    "Wat weet de handreiking over de begroting van Vlaardingen-Oost?",
)


@asynccontextmanager
async def serve(log: Path, **env: str) -> AsyncIterator[str]:
    """``polbot serve`` on a free port, output to ``log``; stopped with SIGTERM afterwards."""
    port = free_port()
    environ = clean_environ(
        POLBOT_HOST="127.0.0.1", POLBOT_PORT=str(port), POLBOT_SHUTDOWN_DRAIN="0", **env
    )
    with log.open("wb") as sink:
        process = await asyncio.create_subprocess_exec(
            str(POLBOT), "serve", stdout=sink, stderr=asyncio.subprocess.STDOUT, env=environ
        )
    url = f"http://127.0.0.1:{port}"
    try:
        await wait_ready(url, process, log)
        yield url
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_no_ids_names_or_texts_reach_the_logs(tmp_path: Path) -> None:
    connector = FakeConnector()
    log = tmp_path / "serve.log"
    async with (
        FakeBotApi() as telegram,
        TestServer(connector.app(), host="127.0.0.1") as teams_service,
        serve(
            log,
            POLBOT_LOG_LEVEL="DEBUG",
            POLBOT_ACCESS_LOG="true",
            POLBOT_PUBLIC_URL="https://polbot.example.nl",
            POLBOT_CHANNELS__TELEGRAM__ENABLED="true",
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
            TELEGRAM_API_BASE_URL=telegram.base_url,
            POLBOT_TEAMS_ANONYMOUS="1",
        ) as url,
        aiohttp.ClientSession(base_url=url, trust_env=False) as http,
    ):
        service_url = str(teams_service.make_url("")).rstrip("/")

        # Web chat: typed texts, a forged payload, a malformed request.
        for body in [{"command": "start"}, *({"text": t} for t in TEXTS)]:
            async with http.post("/api/chat", json=body) as response:
                assert response.status == 200
        async with http.post("/api/chat", json={"payload": f"p:{NAMES[0]}"}) as response:
            assert response.status == 200
        async with http.post("/api/chat", json={"text": TEXTS[0], "naam": NAMES[1]}) as response:
            assert response.status == 400
        async with http.get("/healthz", params={"naam": NAMES[1]}) as response:
            assert response.status == 200

        # Telegram: the webhook, as Telegram posts it.
        headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
        for update_id, text in enumerate(("/start", *TEXTS), start=1):
            update = {
                "update_id": update_id,  # each its own: a repeated update_id is answered once
                **telegram.message(TELEGRAM_CHAT, text, user_id=TELEGRAM_USER, first_name=NAMES[1]),
            }
            async with http.post("/telegram/webhook", json=update, headers=headers) as response:
                assert response.status == 200
        await telegram.wait_for("sendMessage", count=1 + len(TEXTS), timeout=20)
        async with http.post("/telegram/webhook", json={"update_id": 2}) as response:
            assert response.status == 403  # no secret

        # Teams: personal chat messages and a card press, anonymous mode.
        person = {"id": TEAMS_USER, "name": NAMES[0], "aadObjectId": TEAMS_AAD}
        conversation = {
            "id": TEAMS_CONVERSATION,
            "conversationType": "personal",
            "tenantId": "tenant-1",
        }
        for text in TEXTS:
            body = activity(service_url, text=text, conversation=conversation, **{"from": person})
            async with http.post("/api/messages", json=body) as response:
                assert response.status < 300
        press = card_press(service_url, {"payload": "home"})
        press.update({"from": person, "conversation": conversation})
        async with http.post("/api/messages", json=press) as response:
            assert response.status < 300
        assert len(connector.messages()) >= len(TEXTS)

    output = log.read_text(encoding="utf-8", errors="replace")
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    handled = {(line.get("channel"), line.get("event_type")) for line in lines}
    assert {("web", "text"), ("telegram", "text"), ("teams", "text")} <= handled, handled
    secrets = [
        TOKEN,
        TOKEN.split(":")[1],
        WEBHOOK_SECRET,
        str(TELEGRAM_CHAT),
        str(TELEGRAM_USER),
        TEAMS_USER,
        TEAMS_USER.split(":")[1],
        TEAMS_AAD,
        TEAMS_CONVERSATION,
        *NAMES,
        *(word for name in NAMES for word in name.split()),
        *TEXTS,
        *(word for text in TEXTS for word in text.split() if len(word) > 7),
    ]
    leaked = [secret for secret in secrets if secret in output]
    assert leaked == [], f"in the log: {leaked}"
    assert "Traceback" not in output
    print(f"{len(lines)} log lines checked", file=sys.stderr)
