"""``polbot telegram``: long polling with only a token set; a bad token is one line, exit 2;
the knowledge base live, as in ``polbot serve``."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from polbot.commands import main
from server_support import knowledge_copy, with_summary, without_a_title
from telegram_fake import FakeBotApi


@pytest.mark.parametrize(
    ("environment", "problem"),
    [
        ({}, "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": ""}, "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": "12345"}, "does not look like a bot token"),
        ({"TELEGRAM_BOT_TOKEN": "bot:AAH" + "x" * 32}, "does not look like a bot token"),
        ({"TELEGRAM_BOT_TOKEN": "123:kort"}, "does not look like a bot token"),
        (
            {"TELEGRAM_BOT_TOKEN": "123456:" + "A" * 35, "TELEGRAM_API_BASE_URL": "ftp://x"},
            "TELEGRAM_API_BASE_URL",
        ),
    ],
)
def test_a_missing_or_malformed_setting_is_one_line_and_exit_status_2(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    environment: dict[str, str],
    problem: str,
) -> None:
    for name in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_API_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    assert main(["telegram"]) == 2

    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("polbot telegram: ")
    assert problem in err
    token = environment.get("TELEGRAM_BOT_TOKEN")
    assert not token or token not in err


async def polbot(
    command: str, environment: dict[str, str], *arguments: str
) -> asyncio.subprocess.Process:
    """``polbot command`` in a process of its own, with exactly ``environment``."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "polbot",
        command,
        *arguments,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def polbot_telegram(
    api: FakeBotApi, token: str, *arguments: str
) -> asyncio.subprocess.Process:
    environment = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": token,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "NO_PROXY": "127.0.0.1",
    }
    return await polbot("telegram", environment, *arguments)


async def stop(api: FakeBotApi, process: asyncio.subprocess.Process) -> tuple[bytes, bytes]:
    """SIGTERM, then the process's output once it ended."""
    process.send_signal(signal.SIGTERM)
    # The bot stops once its pending long poll (10 s) returns; Telegram would answer it by
    # then, the fake does now.
    await asyncio.sleep(0.2)
    api.end_polls()
    return await asyncio.wait_for(process.communicate(), 60)


async def test_a_token_the_server_rejects_is_one_line_and_exit_status_2(api: FakeBotApi) -> None:
    wrong = "987654321:AAHanotherTokenTheServerDoesNotKnow12"

    process = await polbot_telegram(api, wrong)
    _, err = await asyncio.wait_for(process.communicate(), 60)

    assert process.returncode == 2
    assert err.decode().count("\n") == 1
    assert "rejected TELEGRAM_BOT_TOKEN" in err.decode()
    assert wrong not in err.decode()
    assert [call.status for call in api.calls] == [401]


async def test_polbot_telegram_polls_answers_and_stops_cleanly_on_sigterm(
    api: FakeBotApi,
) -> None:
    process = await polbot_telegram(api, api.token)
    try:
        # Polling starts right after deleteWebhook (a getUpdates is recorded when it returns).
        await api.wait_for("deleteWebhook", timeout=60)
        api.push(api.message(5, "/start"))
        [sent] = await api.wait_for("sendMessage")
    finally:
        out, err = await stop(api, process)

    assert process.returncode == 0, err.decode()
    assert sent.params["chat_id"] == 5
    assert b"Traceback" not in out + err
    assert api.token.encode() not in out + err, "the token (in every URL) is never logged"


async def ask(api: FakeBotApi, text: str) -> str:
    """The text of the first message the bot sends after ``text`` is asked."""
    before = len(api.of("sendMessage"))
    api.push(api.message(5, text))
    return (await api.wait_for("sendMessage", count=before + 1))[before].params["text"]


async def until_answered(api: FakeBotApi, question: str, part: str, timeout: float) -> float:
    """Asks ``question`` until the answer holds ``part``; the seconds that took."""
    start = time.monotonic()
    while part not in await ask(api, question):
        assert time.monotonic() - start < timeout, f"{part!r} not answered within {timeout} s"
        await asyncio.sleep(0.1)
    return time.monotonic() - start


async def test_polbot_telegram_takes_an_edit_of_its_knowledge_base_without_a_restart(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """Only polbot serve reloaded: a bot run by long polling answered from the knowledge base
    it started with until it was restarted."""
    question, new = "Wat is polarisatie?", "Vernieuwde samenvatting van de definitie."
    folder = knowledge_copy(tmp_path)
    process = await polbot_telegram(api, api.token, "--kb", str(folder))
    try:
        await api.wait_for("deleteWebhook", timeout=60)
        assert new not in await ask(api, question)

        with_summary(folder, "definitie", new)
        took = await until_answered(api, question, new, timeout=5)
        print(f"edit live after {took:.2f} s")

        # A broken edit (a page without a title) is refused: the last good one answers on.
        without_a_title(folder)
        await asyncio.sleep(1.5)  # three looks at the folder
        assert new in await ask(api, question)

        process.send_signal(signal.SIGHUP)  # reloads (and is refused again); not an end
        await asyncio.sleep(1.0)
        assert process.returncode is None
        assert new in await ask(api, question)
    finally:
        out, err = await stop(api, process)

    assert process.returncode == 0, err.decode()
    lines = [json.loads(line) for line in out.decode().splitlines() if line.startswith("{")]
    reloads = [(line["event"], line["reason"]) for line in lines if "reason" in line]
    assert ("knowledge reloaded", "file changed") in reloads
    assert ("knowledge reload refused", "file changed") in reloads
    assert ("knowledge reload refused", "SIGHUP") in reloads
    assert [line for line in lines if line["level"] == "critical"] == []
    assert b"Traceback" not in out + err


@pytest.mark.parametrize(
    ("token", "problem"),
    [
        (None, "TELEGRAM_BOT_TOKEN is not set"),
        ("987654321:AAHanotherTokenTheServerDoesNotKnow12", "rejected TELEGRAM_BOT_TOKEN"),
    ],
)
async def test_polbot_serve_with_a_missing_or_rejected_token_is_one_line_and_exit_2(
    api: FakeBotApi, token: str | None, problem: str
) -> None:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "POLBOT_"))},
        "POLBOT_CHANNELS__TELEGRAM__ENABLED": "true",
        "POLBOT_PUBLIC_URL": "https://polbot.example.org",
        "POLBOT_PORT": "0",
        "POLBOT_HOST": "127.0.0.1",
        "TELEGRAM_WEBHOOK_SECRET": "geheim",
        "TELEGRAM_API_BASE_URL": api.base_url,
        "NO_PROXY": "127.0.0.1",
        **({"TELEGRAM_BOT_TOKEN": token} if token else {}),
    }
    process = await polbot("serve", environment)
    out, err = await asyncio.wait_for(process.communicate(), 60)

    assert process.returncode == 2
    assert err.decode().count("\n") == 1, err.decode()
    assert problem in err.decode()
    assert b"Traceback" not in out + err
    assert not token or token.encode() not in out + err
