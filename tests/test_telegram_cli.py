"""``polbot telegram``: long polling with only a token set; a bad token is one line, exit 2."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

import pytest

from polbot.commands import main
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


async def polbot(command: str, environment: dict[str, str]) -> asyncio.subprocess.Process:
    """``polbot command`` in a process of its own, with exactly ``environment``."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "polbot",
        command,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def polbot_telegram(api: FakeBotApi, token: str) -> asyncio.subprocess.Process:
    environment = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": token,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "NO_PROXY": "127.0.0.1",
    }
    return await polbot("telegram", environment)


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
        process.send_signal(signal.SIGTERM)
        # The bot stops once its pending long poll (10 s) returns; Telegram would answer it
        # by then, the fake does now.
        await asyncio.sleep(0.2)
        api.end_polls()
        out, err = await asyncio.wait_for(process.communicate(), 60)

    assert process.returncode == 0, err.decode()
    assert sent.params["chat_id"] == 5
    assert b"Traceback" not in out + err
    assert api.token.encode() not in out + err, "the token (in every URL) is never logged"


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
