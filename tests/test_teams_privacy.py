"""Privacy (AVG): whatever happens on the Teams endpoint, the logs never hold a user id,
conversation id, name or message text, not even in the SDK's own warnings and errors."""

from __future__ import annotations

import json
import logging

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
