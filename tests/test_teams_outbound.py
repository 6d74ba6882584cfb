"""Where replies go: in anonymous mode only to a loopback ``serviceUrl`` (a local emulator), and
always to the conversation the activity names, its ids escaped as path segments, never
walking out of the Bot Connector's path. The real server and assistant, the fake connector on
127.0.0.1 recording every POST it gets, wherever on the host it lands."""

from __future__ import annotations

import logging

import aiohttp
import pytest

from teams_support import activity

# Not loopback: before, the SDK posted the whole reply there (a request without a token could
# aim the server at any address it reaches, and time the answer to find open ports).
ELSEWHERE = {
    "documentation address": "http://192.0.2.1:3978/",
    "cloud metadata": "http://169.254.169.254/latest/",
    "private network": "http://10.0.0.1/",
    "a public host": "https://example.com/",
}


@pytest.mark.parametrize("service_url", ELSEWHERE.values(), ids=ELSEWHERE.keys())
async def test_anonymous_mode_refuses_a_service_url_off_loopback(
    teams, connector, caplog, service_url
) -> None:
    fake, _url = connector
    caplog.set_level(logging.INFO)
    response = await teams.post(
        "/api/messages",
        json=activity(service_url, text="menu"),
        timeout=aiohttp.ClientTimeout(total=3),  # no connection attempt to wait for
    )
    assert response.status == 400
    [warning] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert warning.levelname == "WARNING" and warning.getMessage() == "invalid input"
    assert "loopback" in warning.reason  # type: ignore[attr-defined]
    assert service_url not in caplog.text
    assert fake.posted == []


async def test_anonymous_mode_answers_an_emulator_on_localhost(teams, connector) -> None:
    fake, url = connector
    local = url.replace("127.0.0.1", "localhost")
    response = await teams.post("/api/messages", json=activity(local, text="menu"))
    assert response.status in (200, 202)
    assert len(fake.messages()) == 1


IDS = {
    "traversal": ("../../../admin", "1700000000001"),
    "traversal in the activity id": ("a:conversation-1", "../../../admin"),
    "query and fragment": ("a:conv?x=1#top", "1?y=2"),
    "escaped slash": ("a:conv%2F..%2F..", "1"),
    "space and umlaut": ("a:gesprek met ü", "1"),
    "backslash": ("..\\..\\admin", "1"),
    "a Teams channel": ("19:channel-1@thread.tacv2;messageid=1700000000001", "1700000000001"),
}


@pytest.mark.parametrize(("conversation", "activity_id"), IDS.values(), ids=IDS.keys())
async def test_a_reply_goes_to_the_conversation_named_however_its_id_reads(
    teams, connector, conversation, activity_id
) -> None:
    fake, url = connector
    body = activity(url, text="menu", id=activity_id)
    body["conversation"]["id"] = conversation
    response = await teams.post("/api/messages", json=body)
    assert response.status in (200, 202)
    [post] = fake.posted
    assert post.segments == ("v3", "conversations", conversation, "activities", activity_id)
    assert post.body["conversation"]["id"] == conversation


@pytest.mark.parametrize("field", ["conversation", "id"])
@pytest.mark.parametrize("dots", [".", ".."])
async def test_an_id_of_dots_is_refused(teams, connector, caplog, field, dots) -> None:
    """A path segment of dots cannot be escaped (%2E is read as a dot again)."""
    fake, url = connector
    caplog.set_level(logging.INFO)
    body = activity(url, text="menu")
    if field == "conversation":
        body["conversation"]["id"] = dots
    else:
        body["id"] = dots
    response = await teams.post("/api/messages", json=body)
    assert response.status == 400
    assert fake.posted == []
    assert [r.levelname for r in caplog.records if r.levelno >= logging.WARNING] == ["WARNING"]
