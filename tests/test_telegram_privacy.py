"""Privacy (AVG): a whole Telegram session, errors included, leaves no chat id, user id, name
or message text in the logs, at the most verbose level the server offers."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from polbot.runtime.logs import setup_logging
from polbot.runtime.observe import ObservedHandler
from telegram_fake import BOT_USERNAME, FakeBotApi, polling_bot

CHAT = 73519864
GROUP = -1007351986
USER = 86420137
NAME = "Wilhelmina"
SURNAME = "Quakkelaar"
USERNAME = "wquakkelaar"
QUESTION = "Mijn buurman Zebedeus polariseert de straat, wat kan de gemeente doen?"
PAYLOAD = "p:zebedeus-geheim"
PERSONAL = [str(CHAT), str(GROUP), str(USER), NAME, SURNAME, USERNAME, "Zebedeus", "zebedeus"]


@pytest.fixture
def server_logging(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """The server's logging at DEBUG for the test, then the previous configuration back."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    quiet = {name: logging.getLogger(name).level for name in ("httpx", "httpcore", "telegram")}
    setup_logging("DEBUG")
    root.addHandler(caplog.handler)
    caplog.handler.setLevel(logging.DEBUG)
    yield
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    for name, level in quiet.items():
        logging.getLogger(name).setLevel(level)


async def test_a_session_with_errors_logs_no_ids_names_or_texts(
    server_logging: None,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    api: FakeBotApi,
    telegram_handler: ObservedHandler,
) -> None:
    person = {"user_id": USER, "first_name": NAME, "last_name": SURNAME, "username": USERNAME}
    mention = f"@{BOT_USERNAME}"
    async with polling_bot(api, telegram_handler):
        api.fail_next("sendMessage", 429, retry_after=1)
        api.push(api.message(CHAT, "/start", **person))
        api.push(api.message(CHAT, QUESTION, **person))
        await api.wait_for("sendMessage", count=2)
        api.push(api.press(CHAT, PAYLOAD))
        api.push(api.photo(CHAT))
        await api.wait_for("editMessageText")
        api.fail_next("sendMessage", 500)
        api.fail_next("sendMessage", 403)  # "blocked by the user": the error handler logs it
        api.push(api.message(CHAT, f"{QUESTION} <script>", **person))
        api.push(
            api.message(
                GROUP,
                f"{mention} {QUESTION}",
                chat_type="supergroup",
                entities=[{"type": "mention", "offset": 0, "length": len(mention)}],
                **person,
            )
        )
        api.push(api.message(CHAT, "x" * 5000, **person))
        await api.wait_for("sendMessage", count=4)

    logged = capsys.readouterr().out + "\n".join(
        f"{record.getMessage()} {record.__dict__}" for record in caplog.records
    )
    assert "telegram update failed" in logged, "the session did reach the error handler"
    assert "event handled" in logged
    for secret in [*PERSONAL, QUESTION, "x" * 100, PAYLOAD, api.token]:
        assert secret not in logged
