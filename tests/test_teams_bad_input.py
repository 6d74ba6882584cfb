"""Bad input to the Teams endpoint, through the real server and assistant: a clean 4xx or a
polite reply, never a 500, exactly one warning line and no traceback in the log."""

from __future__ import annotations

import gc
import json
import logging
import warnings

import pytest

from teams_support import activity, card_actions, card_press


def _without(body: dict, *keys: str) -> dict:
    return {key: value for key, value in body.items() if key not in keys}


# name -> the activity, given the connector's URL
POLITELY_ANSWERED = {
    "no text": lambda url: _without(activity(url), "text"),
    "empty text": lambda url: activity(url, text=""),
    "only a mention": lambda url: activity(url, text="<at>polbot</at>"),
    "forged payload": lambda url: card_press(url, {"payload": "p:../../etc/passwd"}),
    "payload of a page that does not exist": lambda url: card_press(url, {"payload": "p:nope"}),
    "huge payload": lambda url: card_press(url, {"payload": "p:" + "x" * 20_000}),
    "card value without payload": lambda url: card_press(url, {"evil": [1, 2, 3]}),
    "card value that is a string": lambda url: card_press(url, "p:capaciteit"),
    "payload that is a number": lambda url: card_press(url, {"payload": 42}),
    "question of 20,000 characters": lambda url: activity(url, text="waarom " * 2_900),
}

REJECTED = {
    "unknown type": (lambda url: activity(url, type="frobnicate"), 202),
    "no type": (lambda url: _without(activity(url), "type"), 400),
    "type is a number": (lambda url: activity(url, type=7), 400),
    "no conversation": (lambda url: _without(activity(url), "conversation"), 400),
    "no channel id": (lambda url: _without(activity(url, type="typing"), "channelId"), 400),
    "no sender": (lambda url: _without(activity(url), "from"), 400),
    "conversation id is a number": (lambda url: activity(url, conversation={"id": 5}), 400),
    "from is a string": (lambda url: activity(url, **{"from": "someone"}), 400),
    "members added is not a list": (
        lambda url: activity(url, type="conversationUpdate", membersAdded="everyone"),
        400,
    ),
}


def _warnings(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.levelno >= logging.WARNING]


def _assert_one_clean_warning(caplog) -> None:
    warnings = _warnings(caplog)
    assert len(warnings) == 1, [record.getMessage() for record in warnings]
    assert "\n" not in warnings[0].getMessage()
    assert "Traceback" not in caplog.text
    assert not any(record.exc_info for record in caplog.records)


@pytest.mark.parametrize("make", POLITELY_ANSWERED.values(), ids=POLITELY_ANSWERED.keys())
async def test_bad_messages_get_a_polite_reply_and_one_warning(teams, connector, caplog, make):
    fake, url = connector
    caplog.set_level(logging.INFO)
    response = await teams.post("/api/messages", json=make(url))
    assert response.status in (200, 202)
    [reply, *_] = fake.messages()
    assert reply["text"] or reply["attachments"]
    assert card_actions(reply)  # a way on
    _assert_one_clean_warning(caplog)


async def test_a_forged_payload_is_logged_with_its_channel(teams, connector, caplog) -> None:
    _, url = connector
    caplog.set_level(logging.INFO)
    await teams.post("/api/messages", json=card_press(url, {"payload": "p:nope"}))
    [warning] = _warnings(caplog)
    assert warning.getMessage().startswith("button payload")
    assert getattr(warning, "channel", None) == "teams"


@pytest.mark.parametrize(("make", "status"), REJECTED.values(), ids=REJECTED.keys())
async def test_bad_activities_are_refused_cleanly(teams, connector, caplog, make, status):
    fake, url = connector
    caplog.set_level(logging.INFO)
    response = await teams.post("/api/messages", json=make(url))
    assert response.status == status
    assert fake.posted == []
    _assert_one_clean_warning(caplog)


BAD_BODIES = {
    "not JSON": b"{this is not json",
    "JSON array": b"[1, 2, 3]",
    "JSON string": b'"hallo"',
    "JSON null": b"null",
    "empty": b"",
    "nested deeper than JSON parsing recurses": b"[" * 30_000 + b"]" * 30_000,
    "not UTF-8": b'{"type": "message", "text": "\xff\xfe"}',
    "larger than the endpoint accepts": b'{"type": "message", "text": "' + b"x" * 300_000 + b'"}',
}


@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=BAD_BODIES.keys())
async def test_a_body_that_is_no_activity_gets_a_4xx(teams, connector, caplog, body) -> None:
    fake, _ = connector
    caplog.set_level(logging.INFO)
    response = await teams.post(
        "/api/messages", data=body, headers={"Content-Type": "application/json"}
    )
    assert 400 <= response.status < 500
    assert fake.posted == []
    _assert_one_clean_warning(caplog)


async def test_after_bad_input_the_endpoint_still_answers(teams, connector) -> None:
    fake, url = connector
    await teams.post("/api/messages", data=b"[", headers={"Content-Type": "application/json"})
    await teams.post("/api/messages", json=activity(url, type="frobnicate"))
    response = await teams.post("/api/messages", json=activity(url, text="menu"))
    assert response.status in (200, 202)
    assert len(fake.messages()) == 1


async def test_a_connector_outage_is_logged_as_an_error_not_a_500(teams, connector, caplog):
    fake, url = connector
    fake.status = 503
    caplog.set_level(logging.INFO)
    response = await teams.post("/api/messages", json=activity(url, text="menu"))
    assert response.status < 500
    assert any(
        r.name.startswith("polbot.channels.teams") for r in caplog.records if r.levelname == "ERROR"
    )
    assert "a:conversation-personal-1" not in caplog.text


async def test_a_body_that_does_not_decompress_gets_a_400(teams, connector, caplog) -> None:
    """A body labelled gzip that is not gzip broke the request with a 500."""
    fake, url = connector
    caplog.set_level(logging.INFO)
    headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
    raw = json.dumps(activity(url, text="menu")).encode()
    response = await teams.post("/api/messages", data=raw, headers=headers)
    assert response.status == 400
    assert fake.posted == []
    # aiohttp's own records of the broken body: see test_server_process for the log as written.
    ours = [r for r in caplog.records if r.name.startswith("polbot")]
    assert [r.levelname for r in ours if r.levelno >= logging.WARNING] == ["WARNING"]
    assert not any(r.exc_info for r in ours)


# Service URLs the SDK cannot post to: each was a 500, two ERROR lines and a ClientSession
# left open (the SDK opens its token client's session before the connector fails).
BAD_SERVICE_URLS = {
    "none": lambda url: _without(activity(url), "serviceUrl"),
    "empty": lambda url: activity(url, serviceUrl=""),
    "file": lambda url: activity(url, serviceUrl="file:///etc/passwd"),
    "javascript": lambda url: activity(url, serviceUrl="javascript:alert(1)"),
    "no host": lambda url: activity(url, serviceUrl="http://"),
    "not a URL": lambda url: activity(url, serviceUrl="http://[::1"),
    "with a user": lambda url: activity(url, serviceUrl=url.replace("//", "//user:pw@")),
    "with a query": lambda url: activity(url, serviceUrl=f"{url}/?next=/admin"),
    "a typing activity without one": lambda url: _without(
        activity(url, type="typing"), "serviceUrl"
    ),
}


@pytest.mark.parametrize("make", BAD_SERVICE_URLS.values(), ids=BAD_SERVICE_URLS.keys())
async def test_a_service_url_the_sdk_cannot_use_gets_a_400_and_leaves_no_session_open(
    teams, connector, caplog, make
) -> None:
    fake, url = connector
    caplog.set_level(logging.INFO)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        response = await teams.post("/api/messages", json=make(url))
        gc.collect()  # an unclosed aiohttp session says so when it is collected
    assert response.status == 400
    assert fake.posted == []
    _assert_one_clean_warning(caplog)
    assert "Unclosed" not in caplog.text
    assert not [w for w in caught if "Unclosed" in str(w.message)]


@pytest.mark.parametrize(
    ("body", "status"),
    [(b"not json", 400), (b"[1, 2]", 400), (b"{}", 400), (b"x" * (300 * 1024), 413)],
    ids=["not json", "not an object", "no type", "too large"],
)
async def test_every_refused_request_is_counted_as_invalid_input(teams, body, status) -> None:
    """Teams' refusals bypassed reject(): the counter stayed at 0 while the web chat's and
    Telegram's counted."""

    def counted(metrics: str) -> float:
        line = 'polbot_invalid_input_total{channel="teams"} '
        return sum(
            float(row.removeprefix(line)) for row in metrics.splitlines() if row.startswith(line)
        )

    before = counted(await (await teams.get("/metrics")).text())
    response = await teams.post(
        "/api/messages", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status == status
    assert counted(await (await teams.get("/metrics")).text()) == before + 1
