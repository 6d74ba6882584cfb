"""Privacy (AVG): whatever happens on the Teams endpoint, the logs never hold a user id,
conversation id, name or message text, not even in the SDK's own warnings and errors."""

from __future__ import annotations

import json
import logging
from urllib.parse import quote, quote_plus

from teams_support import activity, card_press, members_added, running_connector

USER_ID = "29:1Zq-PRIVATE-USER-7731"
AAD_ID = "aad-PRIVATE-8842"
NAME = "Henriëtte Vlaskamp-Oosterbeek"
CONVERSATION = "a:PRIVATE-CONVERSATION-5521"
ACTIVITY_ID = "PRIVATE-ACTIVITY-991"
TEXT = "Mijn buurman Kees Zonnebloemgaard radicaliseert, wat nu?"
PAYLOAD = "p:zonnebloemgaard-geheim"
PRIVATE = (USER_ID, AAD_ID, NAME, CONVERSATION, ACTIVITY_ID, TEXT, "Zonnebloemgaard", PAYLOAD)


def _private(url: str, **fields) -> dict:
    body = activity(url, **fields)
    body["id"] = ACTIVITY_ID
    body["from"] = {"id": USER_ID, "name": NAME, "aadObjectId": AAD_ID}
    body["conversation"] = {**body["conversation"], "id": CONVERSATION}
    return body


async def test_no_id_name_or_text_reaches_the_log(teams, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    async with running_connector() as (fake, url):
        bodies = [
            {
                **members_added(url, USER_ID),
                "id": ACTIVITY_ID,
                "conversation": {"id": CONVERSATION},
            },
            _private(url, text=TEXT),
            _private(url, text=f"<at>polbot</at> {TEXT}"),
            {**card_press(url, {"payload": PAYLOAD}), "conversation": {"id": CONVERSATION}},
            _private(url, text=""),
            _private(url, type="frobnicate", text=TEXT),
            _private(url, text=TEXT, membersAdded=NAME),  # fails the schema
            _private(url, text=TEXT) | {"from": f"{NAME} {USER_ID}"},  # fails the schema
        ]
        for body in bodies:
            response = await teams.post("/api/messages", json=body)
            assert response.status < 500
        broken = json.dumps(_private(url, text=TEXT))[:-5]  # not JSON any more
        await teams.post("/api/messages", data=broken, headers={"Content-Type": "application/json"})
        fake.status = 502  # the connector fails: the SDK logs its errors with the URL
        await teams.post("/api/messages", json=_private(url, text=TEXT))
        assert len(fake.messages()) >= 4  # the conversation really happened

    logged = caplog.text + "".join(str(vars(record)) for record in caplog.records)
    assert caplog.records, "nothing was logged at all"
    for value in PRIVATE:
        assert value not in logged, f"{value!r} leaked into the log"


# Ids the connector's URLs percent-encode and its error bodies JSON-escape.
ODD_CONVERSATION = "a:PRIVÉ gesprek über-5521"
ODD_ACTIVITY = "PRIVATE activiteit ü-991"


def _written_forms(value: str) -> dict[str, str]:
    return {
        "literal": value,
        "percent-encoded": quote(value, safe=":@"),
        "percent-encoded, lower case": quote(value, safe=":@").lower(),
        "percent-encoded, all": quote(value, safe=""),
        "form-encoded": quote_plus(value, safe=":"),
        "JSON-escaped": json.dumps(value)[1:-1],
        "JSON-escaped, in a repr": repr(json.dumps(value)[1:-1])[1:-1],
    }


async def test_ids_reach_the_log_in_no_encoding(teams, caplog) -> None:
    """A connector error named the conversation in its URL (percent-encoded) and its body
    (JSON-escaped): the ERROR lines held both forms, the scrubber knew only the literal one."""
    caplog.set_level(logging.DEBUG)
    async with running_connector() as (fake, url):
        fake.status = 503
        body = activity(url, text=TEXT, id=ODD_ACTIVITY)
        body["conversation"]["id"] = ODD_CONVERSATION
        response = await teams.post("/api/messages", json=body)
        assert response.status < 500
        [post] = fake.posted  # the reply reached the connector, which failed it
        assert post.segments[2] == ODD_CONVERSATION

    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors, "the connector's failure was not logged"
    logged = caplog.text + "".join(str(vars(record)) for record in caplog.records)
    for value in (ODD_CONVERSATION, ODD_ACTIVITY):
        for form, written in _written_forms(value).items():
            assert written not in logged, f"{value!r} leaked into the log {form}: {written!r}"
